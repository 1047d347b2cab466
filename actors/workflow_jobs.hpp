#pragma once

// The blocking work of a workflow run's actor (actors/workflow_run), as plain
// functions it posts to the node's blocking queue: loading a run, starting a
// step or a nested run, how an ended step answers the script, and ending the
// run.

#include <optional>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/error.hpp>

#include "actors/session_deps.hpp"
#include "runtime/chat/service.hpp"
#include "runtime/sandbox/run.hpp"
#include "runtime/step_cache/key.hpp"
#include "runtime/workflow/records.hpp"

namespace boocode {

/// What a run's actor loads: its lease, its run, what its script recorded
/// and its steps (read after its inbox is cleared, so no step's end is
/// missed), or why not.
struct run_load {
  storage::fence fence; // its journal's writes hold while this does
  std::optional<workflow::run_record> run;
  std::vector<workflow::journal_entry> journal;
  std::vector<agent::task_record> steps;
  int depth = 1;
  step_cache::step_context cache; // what shapes its steps besides their options
  caf::error error;
};
run_load load_run(const session_deps& deps, const std::string& id);

/// A step's task for the script's agent() call `c`: its label, phase,
/// prompt (with the schema's instructions), tools, model, worktree, spec
/// hash and schema.
agent::task_spawn step_spawn(const workflow::run_record& run, const sandbox::host_call& c);

/// Writes the step (or finds the one a replay wrote before) and starts it
/// within the run's and the node's bounds (else it queues).
agent::task_record start_step(const session_deps& deps, const agent::task_spawn& s);

/// A nested workflow(name, args): the run written (or found) and started.
/// Throws std::invalid_argument for an unknown name, a script that does not
/// check, or nesting deeper than max_nesting.
constexpr int max_nesting = 3;
agent::task_record start_nested(const session_deps& deps, const workflow::run_record& parent,
                                int depth, const sandbox::host_call& c);

/// A run to start: from a chat's tool call (chat_id, parent_actor, turn and
/// call: a replayed turn finds the run it started) or over REST (no chat:
/// the run is its own, in `workspace`, owned by `owner`).
struct run_launch {
  std::string workspace;
  std::string owner;
  std::string chat_id;
  std::string parent_actor; // who hears of its end (empty: the chat)
  int parent_turn = 0;
  std::string call_id;
  std::string name;   // a discovered workflow, or
  std::string script; // its source
  nlohmann::json args = nullptr;
  std::optional<int64_t> budget;
  int depth = 1;                                         // a nested run's is its parent's + 1
  std::optional<int> concurrency;                        // when the script names none (default 3)
  protocol::cache_mode cache = protocol::cache_mode::on; // its use of the step cache
};

/// Finds and checks the script, writes the run and starts it. 400
/// invalid_script (with line and column) or invalid_args, 404 for an
/// unknown name, 503 when this node runs no workflows. Throws
/// storage_error.
chat::result<workflow::run_record> launch_run(const session_deps& deps, const run_launch& l);

/// How an ended step answers the script: a value (its text, its object, a
/// nested run's result; null when it was stopped or failed), or an error
/// agent() throws (a schema never matched).
struct step_answer {
  nlohmann::json value;
  std::string error_name; // empty: settle with value
  std::string message;
};
step_answer answer_of(const agent::task_record& step);

/// Ends the run's task (its parent is notified once), records its result,
/// stops the steps still running when it did not complete, and tells the
/// chat's browsers.
void end_run(const session_deps& deps, const workflow::run_record& run,
             const sandbox::run_end& end);

} // namespace boocode

// Local only: a run's actor and its jobs run on one node.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(boocode::run_load)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(boocode::sandbox::host_call)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(boocode::sandbox::run_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(boocode::sandbox::run_end)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(boocode::agent::task_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(boocode::workflow::run_record)
