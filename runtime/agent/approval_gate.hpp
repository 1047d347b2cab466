#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "runtime/agent/spec.hpp"
#include "runtime/agent/turn_io.hpp"
#include "runtime/chat/permissions.hpp"
#include "runtime/model/chat_types.hpp"

namespace boocode::agent {

/// What a turn's approvals say about its tool calls: run, denied by a user,
/// or wait for a user's decision. Knows the chat's permissions (read through
/// turn_io before each reply's calls) and the answers the turn was given.
class approval_gate {
public:
  approval_gate(int turn, const std::vector<chat::approval_answer>& answers);

  /// Reads the chat's permissions before the calls of a reply run, when one
  /// of them may change something (a read-only reply reads nothing).
  void refresh(turn_io& io, const tool_set& tools, const std::vector<model::tool_call>& calls);

  enum class verdict { run, deny, wait };
  struct decision {
    verdict what = verdict::run;
    std::string id;   // the approval's id (deny, wait)
    std::string text; // wait: why it asks; deny: the user's note
  };

  /// The verdict on `call` (step `step` of the turn), without side effects.
  decision check(const model::tool_call& call, const std::string& step) const;
  /// Whether `call` runs without waiting or being denied: its intent may be
  /// journaled ahead, with the step before it.
  bool will_run(const model::tool_call& call, const std::string& step) const {
    return check(call, step).what == verdict::run;
  }
  /// check(), and an "Always allow" answer adds its rule to the chat
  /// (through `io`) and to the permissions this turn goes on with.
  decision decide(turn_io& io, const model::tool_call& call, const std::string& step);

private:
  int turn_;
  std::map<std::string, chat::approval_answer> answers_;
  std::optional<chat::chat_permissions> perms_; // none: not read (everything runs)
};

/// The result a denied call gives the model: outcome `denied`, with the note.
tools::tool_result denied_result(const std::string& note, bool read_only);

} // namespace boocode::agent
