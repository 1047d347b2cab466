#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/protocol/states.hpp"

namespace boocode::agent {

/// Whether a task in state `s` has ended (and never changes again).
constexpr bool is_final(protocol::task_state s) {
  return s == protocol::task_state::completed || s == protocol::task_state::failed ||
         s == protocol::task_state::cancelled;
}

/// Tokens a task used, by kind (cached: prompt tokens the provider's cache
/// served; reasoning: completion tokens spent thinking).
struct task_usage {
  int64_t input = 0;
  int64_t cached = 0;
  int64_t output = 0;
  int64_t reasoning = 0;
};

/// What a spawn_subagent call asks for, as its parent's turn made it: the
/// row written before the subagent starts.
struct task_spawn {
  std::string id;           // "t_" (subagent), "s_" (workflow step), "w_" (run) + 16 hex
  std::string chat_id;      // the chat it works for
  std::string parent_actor; // the chat, or the task that spawned it
  int parent_turn = 0;
  std::string call_id; // the parent's tool call
  int depth = 1;       // 1 under a chat, 2 under a task of it, ...
  std::string description;
  std::string prompt;
  std::optional<std::vector<std::string>> tools; // nothing: the chat's
  std::string model;                             // empty: the chat's
  bool worktree = false;
  /// A workflow step's spec hash (its prompt, options and model); empty for
  /// a subagent.
  std::string spec_hash;
  /// A workflow step's JSON Schema (text) its answer must match; empty: none.
  std::string schema;
  /// A workflow step's phase (the script's at its call); empty: none.
  std::string phase;
  /// A workflow step's maxTurns: the model calls its turn may make (0: the
  /// node's turn-model-calls).
  int max_turns = 0;
};

/// A task as stored: its spawn, then what became of it.
struct task_record {
  task_spawn spawn;
  protocol::task_state state = protocol::task_state::queued;
  std::string result;
  std::string error;
  task_usage usage;
  double cost_usd = 0;
  std::string owner_node;
  std::string worktree_path;
  std::string branch;
  std::string created_at; // ISO 8601, UTC, milliseconds
  std::string started_at; // empty until it starts
  std::string ended_at;   // empty until it ends
};

/// Bounds on workflow runs (node options; docs/configuration.md).
struct workflow_limits {
  /// agent() calls one run may make (nested runs count their own); beyond,
  /// agent() throws.
  int agents_per_run = 1000;
  /// Tokens (input + output) a run's projected use may reach before the run
  /// logs a warning: its budget when it has one, else this.
  int64_t warn_tokens = 2'000'000;
  /// A run that has waited this long for its steps with nothing else to do
  /// drops its isolate (memory) until a step ends, then replays (0: never).
  std::chrono::milliseconds passivate_after{std::chrono::seconds(30)};
};

} // namespace boocode::agent
