#pragma once

// The step cache's blocking work for a workflow run (actors/workflow_run)
// and a step's turn (actors/turn_worker): looking a step up, checking and
// restoring it, writing a step taken from the cache, and storing a step
// that ran. docs/workflows.md, "The step cache".

#include <optional>
#include <string>

#include <caf/allowed_unsafe_message_type.hpp>
#include <nlohmann/json.hpp>

#include "actors/session_deps.hpp"
#include "runtime/step_cache/key.hpp"
#include "runtime/step_cache/recorder.hpp"
#include "runtime/workflow/records.hpp"
#include "storage/step_cache_repository.hpp"

namespace boocode {

/// A workspace's identity in the cache: its canonical path (as given when
/// it cannot be resolved).
std::string canonical_workspace(const std::string& workspace);

/// What shapes every step of a run in `workspace` besides its options.
step_cache::step_context step_context_of(const session_deps& deps, const std::string& workspace);

/// A step's use of the cache before it is written: from its run's mode, its
/// call's `cache` option, its spec's digest and its occurrence in the run.
agent::step_cache_note plan_cache(const workflow::run_record& run, const nlohmann::json& options,
                                  const nlohmann::json& key_spec, int occurrence);

/// Looks step `s` (its note planned; its run reads the cache) up: the entry, once it held and its
/// files were put back (the note says hit), or nothing (the note says why).
std::optional<storage::cache_entry> take_hit(const session_deps& deps, const std::string& workspace,
                                             agent::task_spawn& s);

/// A step looked up for the script's call `call`: `spawn`'s note says how
/// it went; with `hit`, its entry (and how long the lookup took).
struct cache_lookup {
  uint64_t call = 0;
  agent::task_spawn spawn;
  std::optional<storage::cache_entry> hit;
  double ms = 0;
};
/// take_hit, timed; a storage failure is a miss that says so.
cache_lookup look_up(const session_deps& deps, const std::string& workspace, uint64_t call,
                     agent::task_spawn s);

/// The step a hit makes, as write_hit will store it: completed now with the
/// entry's result.
agent::task_record hit_record(const agent::task_spawn& s, const storage::cache_entry& e);

/// Writes a step taken from the cache: completed with the entry's result,
/// no model call, a trace of kind cache (or finds the one a replay wrote).
agent::task_record write_hit(const session_deps& deps, const agent::task_spawn& s,
                             const storage::cache_entry& e, double lookup_ms);

/// After a step's turn checkpointed: stores what it did under its key when
/// it completed (its note says write), and sweeps the cache now and then.
/// A failure is logged: the step's end stands.
void store_step(const session_deps& deps, const std::string& step_id,
                const step_cache::recorder& rec);

} // namespace boocode

// Local only: a run's actor and its lookups run on one node.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(boocode::cache_lookup)
