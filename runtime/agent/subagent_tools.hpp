#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace boocode::agent {

// The tools a chat's model hands work to background subagents with, as the
// model sees them and as their arguments are read. Running them (the task
// rows, the subagent actors, notifications) is the session's; these are the
// plain parts: schemas, argument checks and the limits' decisions.

/// spawn_subagent, subagent_status, subagent_result, cancel_subagent and
/// run_workflow in OpenAI's function format, always in that order and with the same text
/// (they follow the workspace tools, and the prompt prefix stays cacheable).
const nlohmann::json& subagent_tool_schemas();

/// Their names, in schema order.
const std::vector<std::string>& subagent_tool_names();

/// The longest wait subagent_result allows.
constexpr std::chrono::seconds max_result_wait{300};

/// spawn_subagent's arguments.
struct spawn_args {
  std::string description;
  std::string prompt;
  /// Nothing: the spawning agent's own tools (less the subagent tools
  /// unless nesting is on).
  std::optional<std::vector<std::string>> tools;
  std::string model; // empty: the chat's
  bool worktree = false;
};

/// Reads spawn_subagent's arguments (an object, or a string holding one).
/// `allowed` are the tools the subagent may be given. Throws
/// tools::tool_failure naming the problem: a schema fault, an empty or
/// over-long description or prompt, a tool not in `allowed`.
spawn_args read_spawn(const nlohmann::json& arguments, const std::vector<std::string>& allowed);

/// subagent_status's task (nothing: every task of the chat).
std::optional<std::string> read_status(const nlohmann::json& arguments);

/// subagent_result's arguments: the task, and how long to wait for its end
/// (0 to max_result_wait; more is cut to the maximum).
struct result_args {
  std::string task_id;
  std::chrono::seconds wait{0};
};
result_args read_result(const nlohmann::json& arguments);

/// cancel_subagent's task.
std::string read_cancel(const nlohmann::json& arguments);

/// run_workflow's arguments: a workflow's name or a script, and its args.
struct workflow_args {
  std::string name;
  std::string script;
  nlohmann::json args;
};
workflow_args read_run_workflow(const nlohmann::json& arguments);

/// Bounds on subagents (node options; docs/configuration.md). Beyond the
/// running bounds a task waits `queued` and starts in order; beyond the
/// others a spawn is refused.
struct task_limits {
  int running_per_chat = 4;
  int running_per_node = 64;
  int spawns_per_turn = 8;
  /// 1: only a chat spawns subagents; 2: they may spawn their own, etc.
  int max_depth = 1;
};

/// Why a spawn is refused, as the tool error the model reads (saying not to
/// retry at once), or nothing when it may go ahead. `spawned` counts the
/// spawns of this turn before it; `depth` is the new task's (1 under a chat).
std::optional<std::string> spawn_refusal(const task_limits& limits, int spawned, int depth);

/// Whether a queued task may start now, given the tasks running for its chat
/// and on this node.
bool may_start(const task_limits& limits, int64_t running_for_chat, int64_t running_on_node);

} // namespace boocode::agent
