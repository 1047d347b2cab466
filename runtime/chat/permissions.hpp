#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "runtime/protocol/states.hpp"

namespace boocode::chat {

/// A rule that lets calls run without asking: a command whose argv starts
/// with `argv_prefix`, or a write (write_file, edit_file) to a path matching
/// `path_glob` (fnmatch(3) without FNM_PATHNAME: `*` also crosses folders,
/// so "src/*" is everything under src). Exactly one of the two is set.
struct allow_rule {
  std::vector<std::string> argv_prefix;
  std::string path_glob;

  bool operator==(const allow_rule&) const = default;
};

/// What a chat lets its tool calls do without a user's decision.
struct chat_permissions {
  protocol::permission_mode mode = protocol::permission_mode::allow;
  std::vector<allow_rule> rules;
  /// Sandboxed commands may use the network.
  bool network = false;
  /// The chat's own variables, added to its commands' fixed environment.
  std::map<std::string, std::string> variables;
};

/// Why `name`=`value` cannot be one of a chat's variables, or nothing: a
/// name is [A-Za-z_][A-Za-z0-9_]* and not one of the fixed environment's
/// (PATH, HOME, XDG_CACHE_HOME, TMPDIR, LANG, TERM); a value has no NUL and
/// at most 4096 bytes; at most 64 variables.
std::optional<std::string> variable_error(const std::string& name, const std::string& value);
inline constexpr std::size_t max_variables = 64;

/// The variables as NAME=VALUE, for command_environment.
std::vector<std::string> environment_entries(const std::map<std::string, std::string>& vars);

/// Why the call of `tool` with `args` must wait for a user's decision under
/// `p`, in words for the approval card; nothing when it may run. Only
/// write_file, edit_file and run_command ever ask.
std::optional<std::string> approval_reason(const chat_permissions& p, const std::string& tool,
                                           const nlohmann::json& args);

/// The rule "Always allow" adds for this call: for a command its program and
/// first argument unless that is an option or a path (`npm test`, `git
/// status`, `make`); for a write every file in the written file's folder
/// (`src/*`, or `*` at the workspace's top). Nothing for another tool.
std::optional<allow_rule> rule_for(const std::string& tool, const nlohmann::json& args);

/// Adds `r` to `rules` unless it is there; whether it was added.
bool add_rule(std::vector<allow_rule>& rules, const allow_rule& r);

/// A rule read from its JSON ({"argv_prefix": [...]} or {"path_glob": "..."});
/// nothing with `error` set when it is neither.
std::optional<allow_rule> read_rule(const nlohmann::json& j, std::string& error);
nlohmann::json to_json(const allow_rule& r);
nlohmann::json to_json(const std::vector<allow_rule>& rules);
/// Rules as stored (chats.allow_rules); a malformed entry is skipped.
std::vector<allow_rule> read_rules(const nlohmann::json& j);

/// An answer to an approval as stored in the inbox (kind approval_answer).
struct approval_answer {
  std::string id;
  protocol::approval_decision decision = protocol::approval_decision::deny;
  std::string note;
  std::string user; // who answered
};

std::string to_text(const approval_answer& a);
/// Nothing for text that is no answer.
std::optional<approval_answer> read_answer(const std::string& text);

/// The id of the approval for the call at `step` of `turn`: unique in its chat.
std::string approval_id(int turn, const std::string& step);

} // namespace boocode::chat
