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

/// A workflow step and the step cache (docs/workflows.md, "The step
/// cache"); nothing for a subagent or a nested run.
struct step_cache_note {
  protocol::cache_status status = protocol::cache_status::miss;
  std::string reason;   // a miss's or off's: "first run", "input changed: a.c"
  std::string key;      // its cache key (empty: off)
  std::string digest;   // its spec's digest: identical calls of a run share it
  bool write = false;   // its end is stored under `key`
  std::string workflow; // the run's workflow, and
  std::string spec;     // the spec the key hashes (JSON text): where a later miss looks
  int64_t saved = 0;    // a hit: the tokens (input + output) the step it took used
  std::string source;   // a hit: that step's id
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
  /// A workflow step's use of the step cache.
  std::optional<step_cache_note> cache;
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
  /// The step cache: an entry unused this long expires, and the entries
  /// together hold at most this many bytes (the least recently used go).
  std::chrono::seconds cache_ttl{std::chrono::hours(24 * 7)};
  int64_t cache_max_bytes = int64_t{1} << 30;
};

} // namespace boocode::agent
