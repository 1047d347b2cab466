#pragma once

// The insides of a workflow run's actor (actors/workflow_run): its messages,
// its state, and the handlers for what its steps do (workflow_run_steps.cpp).
// The actor's behavior and its script's start and end are in
// workflow_run.cpp.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/session.hpp"
#include "actors/step_cache_jobs.hpp"
#include "actors/workflow_jobs.hpp"
#include "runtime/sandbox/run.hpp"
#include "runtime/serial_jobs.hpp"
#include "runtime/workflow/records.hpp"

namespace boocode::workflow_run_detail {

using wf_loaded_atom = caf::atom_constant<caf::atom("wf_loaded")>;
using wf_call_atom = caf::atom_constant<caf::atom("wf_call")>;
using wf_record_atom = caf::atom_constant<caf::atom("wf_record")>;
using wf_event_atom = caf::atom_constant<caf::atom("wf_event")>;
using wf_ended_atom = caf::atom_constant<caf::atom("wf_ended")>;
using wf_step_atom = caf::atom_constant<caf::atom("wf_step")>;
using wf_reject_atom = caf::atom_constant<caf::atom("wf_reject")>;
using wf_crash_atom = caf::atom_constant<caf::atom("wf_crash")>;
using wf_final_atom = caf::atom_constant<caf::atom("wf_final")>;
using wf_idle_atom = caf::atom_constant<caf::atom("wf_idle")>;
using wf_check_atom = caf::atom_constant<caf::atom("wf_check")>;
using wf_looked_atom = caf::atom_constant<caf::atom("wf_looked")>;

/// How long an ended run waits for its steps' own ends (its cancelled steps
/// stop shortly after it), so its watchers see them, before it unloads.
constexpr auto settle_time = std::chrono::seconds(60);

using workflow_impl = session_actor::extend<
  caf::reacts_to<wf_loaded_atom, run_load>, caf::reacts_to<wf_call_atom, sandbox::host_call>,
  caf::reacts_to<wf_record_atom, std::string, std::string>,
  caf::reacts_to<wf_event_atom, sandbox::run_event>,
  caf::reacts_to<wf_ended_atom, sandbox::run_end>,
  caf::reacts_to<wf_step_atom, uint64_t, agent::task_record>,
  caf::reacts_to<wf_reject_atom, uint64_t, std::string>, caf::reacts_to<wf_crash_atom, std::string>,
  caf::reacts_to<wf_final_atom, workflow::run_record>, caf::reacts_to<wf_idle_atom>,
  caf::reacts_to<wf_check_atom, uint64_t>, caf::reacts_to<wf_looked_atom, cache_lookup>>;

struct workflow_state {
  std::shared_ptr<const session_deps> deps;
  std::string id;
  storage::fence fence; // the run's lease: its journal's writes check it
  std::optional<workflow::run_record> run;
  std::vector<workflow::journal_entry> journal;
  std::map<std::string, agent::task_record> steps; // by structural path
  std::map<std::string, uint64_t> waiting;         // step id -> the call awaiting it
  std::set<std::string> said;         // paths of the log lines, phases and warnings journaled
  int agents = 0;                     // agent() steps asked for (bounded by workflow-agents)
  step_cache::step_context cache_ctx; // what shapes its steps besides their options
  /// The paths of its agent() calls by their spec's digest: a call's
  /// occurrence among identical ones is how many came before it.
  std::map<std::string, std::set<std::string>> calls_by_digest;
  std::shared_ptr<sandbox::run> script;
  std::unique_ptr<serial_jobs> writes; // the script's records and steps, in order
  std::vector<ws_client_actor> subscribers;
  int depth = 1;
  bool ended = false;        // the script ended
  bool finished = false;     // and the run's end is stored
  bool cancel_asked = false; // by a user or the chat
  // Passivation: a script that awaits only its steps drops its isolate after
  // workflow-passivate-after without activity, and replays when one ends.
  uint64_t activity = 0;      // bumped by everything the script does or is told
  bool check_pending = false; // a wf_check is on its way
  int asking = 0;             // new steps being written
  bool passivating = false;   // its script was stopped to drop its isolate
  bool passive = false;       // it has no script until a step ends
  bool woken = false;         // a step ended while it was passivating
  std::vector<caf::typed_response_promise<bool>> suspended; // migrate or stop: answered at the end
  counted_actor counted; // loaded while its script has an isolate, unloaded while passive
  static inline const char* name = "workflow-run";
};

using self_ptr = workflow_impl::stateful_pointer<workflow_state>;

/// Sends the run as it is now to its watchers.
void broadcast(self_ptr self);
/// Tells the script how many tokens its steps used so far.
void update_spent(workflow_state& st);
/// Runs `job` behind the run's earlier writes; a database failure crashes
/// the actor (the registry starts it again, and the script replays), a lost
/// lease stops it (its new owner replays the run).
void write(self_ptr self, std::function<void()> job);
/// Journals a line the script said (or the run's own warning) once, however
/// often the script replays, and shows it.
void say(self_ptr self, workflow::journal_entry j);

/// The script asks for a step (agent() or workflow()).
void on_call(self_ptr self, const sandbox::host_call& c);
/// A step was looked up in the step cache for a call: a hit answers at
/// once; a miss is written and started.
void on_looked(self_ptr self, cache_lookup l);
/// A step was written, or changed: `call` (0: none) awaits it.
void on_step(self_ptr self, uint64_t call, agent::task_record step);
/// An entry of the run's inbox: a step's end or change.
void on_note(self_ptr self, const chat::inbox_entry& e);
/// Whether every step the run started has ended.
bool steps_settled(const workflow_state& st);
/// Starts (or restarts) the run's script from its record and journal.
void launch_script(self_ptr self);
/// Notes activity: the run passivates only after a quiet spell.
void touch(self_ptr self);

} // namespace boocode::workflow_run_detail
