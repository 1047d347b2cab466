#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "runtime/chat/events.hpp"
#include "runtime/chat/journal.hpp"
#include "runtime/chat/permissions.hpp"
#include "runtime/chat/records.hpp"
#include "runtime/model/cache_break.hpp"
#include "runtime/model/usage.hpp"
#include "runtime/protocol/states.hpp"

namespace boocode::agent {

/// How a turn ended, and what it cost.
struct turn_summary {
  /// interrupted: the node is stopping and the turn stopped without
  /// journaling more (it resumes on the next start), or `waiting`.
  protocol::turn_outcome outcome = protocol::turn_outcome::completed;
  /// The turn stopped (outcome interrupted) at a tool call that waits for a
  /// user's decision, journaled; it resumes once the answer is in the inbox.
  bool waiting = false;
  std::string error;
  model::token_usage usage;
  int model_calls = 0;
  int fix_attempts = 0;
};

/// A turn's durable side effects: the journal and the checkpoint. The turn
/// worker implements it with the database; tests with memory. Every call
/// blocks and comes from the turn's own thread. The turn's events go to
/// publish() (event_sink), in batches.
class turn_io : public chat::event_sink {
public:
  /// Journals a finished step's message (the model's reply, a tool's
  /// result, an auto-fix request) as step `step` of the turn, and with
  /// `next` the intent of the tool call about to start, in one commit;
  /// returns the message with id and created_at filled in. It joins the
  /// history at the checkpoint.
  virtual chat::message_record journal_message(const std::string& step, chat::message_record m,
                                               const chat::tool_intent* next = nullptr) = 0;
  /// Journals a step that is not a message: kind "intent" (a tool call about
  /// to start: {"name", "arguments"}) or "build" (a build's result).
  virtual void journal_step(const std::string& step, const std::string& kind,
                            const nlohmann::json& data) = 0;
  /// Returns once everything journaled so far is durable (journal writes
  /// may go on while the turn does): called before a tool that changes
  /// something starts, so its intent is stored first.
  virtual void make_durable() {}
  /// The chat's permissions as they are now, read before the calls of a
  /// reply that may change something; the implementation also applies
  /// their `network` to the commands that follow. Default: everything runs.
  virtual chat::chat_permissions permissions() { return {}; }
  /// Adds `rule` to the chat's rules (a user answered "Always allow").
  virtual void add_allow_rule(const chat::allow_rule& rule) { (void)rule; }
  /// The agent's last model call as stored (its trace), or its fork
  /// source's, for the prompt cache's break check; asked once per loaded
  /// agent, before its first call. Nothing when none is stored or the
  /// store fails (the check then starts with this call).
  virtual std::optional<model::prior_call> last_model_call() { return std::nullopt; }
  /// The turn is over (not interrupted): make it durable (the checkpoint),
  /// with `answer` (the model's last reply, not journaled; may be null)
  /// stored in the same commit, its id and created_at filled in. Called
  /// after every event but the answer's message_stored and turn_ended are
  /// published; they follow it, so a turn_end frame means the turn is
  /// stored. Throwing leaves the turn unended.
  virtual void end_turn(const turn_summary&, chat::message_record* answer) = 0;
};

} // namespace boocode::agent
