#include "actors/workflow_run.hpp"

#include <map>
#include <set>

#include <caf/all.hpp>

#include "actors/workflow_jobs.hpp"
#include "runtime/errors.hpp"
#include "runtime/protocol/workflows.hpp"
#include "runtime/sandbox/engine.hpp"
#include "runtime/serial_jobs.hpp"
#include "storage/storage_error.hpp"

namespace boocode {

namespace {

using json = nlohmann::json;

using wf_loaded_atom = caf::atom_constant<caf::atom("wf_loaded")>;
using wf_call_atom = caf::atom_constant<caf::atom("wf_call")>;
using wf_record_atom = caf::atom_constant<caf::atom("wf_record")>;
using wf_event_atom = caf::atom_constant<caf::atom("wf_event")>;
using wf_ended_atom = caf::atom_constant<caf::atom("wf_ended")>;
using wf_step_atom = caf::atom_constant<caf::atom("wf_step")>;
using wf_reject_atom = caf::atom_constant<caf::atom("wf_reject")>;
using wf_crash_atom = caf::atom_constant<caf::atom("wf_crash")>;
using wf_final_atom = caf::atom_constant<caf::atom("wf_final")>;

using workflow_impl = session_actor::extend<
  caf::reacts_to<wf_loaded_atom, run_load>, caf::reacts_to<wf_call_atom, sandbox::host_call>,
  caf::reacts_to<wf_record_atom, std::string, std::string>,
  caf::reacts_to<wf_event_atom, sandbox::run_event>,
  caf::reacts_to<wf_ended_atom, sandbox::run_end>,
  caf::reacts_to<wf_step_atom, uint64_t, agent::task_record>,
  caf::reacts_to<wf_reject_atom, uint64_t, std::string>, caf::reacts_to<wf_crash_atom, std::string>,
  caf::reacts_to<wf_final_atom, workflow::run_record>>;

/// The sandbox's host: what the script asks becomes a message to the actor
/// (called on a sandbox thread; it only sends).
class actor_host final : public sandbox::run_host {
public:
  explicit actor_host(workflow_impl me) : me_(std::move(me)) {}
  void call(sandbox::host_call c) override {
    caf::anon_send(me_, wf_call_atom::value, std::move(c));
  }
  void recorded(const std::string& path, const json& value) override {
    caf::anon_send(me_, wf_record_atom::value, path, value.dump());
  }
  void event(sandbox::run_event e) override {
    caf::anon_send(me_, wf_event_atom::value, std::move(e));
  }
  void ended(sandbox::run_end e) override {
    caf::anon_send(me_, wf_ended_atom::value, std::move(e));
  }

private:
  workflow_impl me_;
};

struct workflow_state {
  std::shared_ptr<const session_deps> deps;
  std::string id;
  std::optional<workflow::run_record> run;
  std::vector<workflow::journal_entry> journal;
  std::map<std::string, agent::task_record> steps; // by structural path
  std::map<std::string, uint64_t> waiting;         // step id -> the call awaiting it
  std::set<std::string> said;                      // paths of the log lines and phases journaled
  std::shared_ptr<sandbox::run> script;
  std::unique_ptr<serial_jobs> writes; // the script's records and steps, in order
  std::vector<ws_client_actor> subscribers;
  int depth = 1;
  bool ended = false;
  bool cancel_asked = false;                                // before the script started
  std::vector<caf::typed_response_promise<bool>> suspended; // migrate or stop: answered at the end
  static inline const char* name = "workflow-run";
};

using self_ptr = workflow_impl::stateful_pointer<workflow_state>;

// "parallel-0/item-1/now-2" -> "now"
std::string value_kind(const std::string& path) {
  auto last = path.substr(path.rfind('/') + 1);
  return last.substr(0, last.find('-'));
}

void broadcast(self_ptr self) {
  auto& st = self->state;
  if (st.subscribers.empty() || !st.run)
    return;
  std::vector<agent::task_record> steps;
  steps.reserve(st.steps.size());
  for (const auto& [path, t] : st.steps)
    steps.push_back(t);
  auto frame = protocol::workflow_update_frame(protocol::run_view(*st.run, steps, st.journal));
  for (auto& c : st.subscribers)
    self->send(c, frame_atom::value, frame);
}

void update_spent(workflow_state& st) {
  int64_t spent = 0;
  for (const auto& [path, t] : st.steps)
    spent += t.usage.input + t.usage.output;
  if (st.script)
    st.script->set_spent(spent);
}

void answer(workflow_state& st, uint64_t call, const agent::task_record& step) {
  auto a = answer_of(step);
  if (a.error_name.empty())
    st.script->settle(call, a.value);
  else
    st.script->reject(call, a.error_name, a.message);
}

/// Runs `job` behind the run's earlier writes; a database failure crashes
/// the actor (the registry starts it again, and the script replays).
void write(self_ptr self, std::function<void()> job) {
  auto me = caf::actor_cast<workflow_impl>(self);
  try {
    self->state.writes->post([me, job = std::move(job)] {
      try {
        job();
      } catch (const std::exception& e) {
        caf::anon_send(me, wf_crash_atom::value, std::string(e.what()));
      }
    });
  } catch (const std::exception& e) {
    self->quit(caf::make_error(errc::storage_unavailable, e.what()));
  }
}

void start_script(self_ptr self, run_load loaded) {
  auto& st = self->state;
  st.run = std::move(loaded.run);
  st.journal = std::move(loaded.journal);
  for (const auto& j : st.journal)
    st.said.insert(j.path);
  st.depth = loaded.depth;
  for (auto& t : loaded.steps)
    st.steps[t.spawn.call_id] = std::move(t);
  sandbox::run_request req;
  req.name = st.run->name + ".js";
  req.args = st.run->args;
  req.budget = st.run->budget;
  for (const auto& j : st.journal)
    if (j.kind == "now" || j.kind == "random")
      req.recorded[j.path] = j.value;
  auto checked = sandbox::check_script(st.run->source);
  auto me = caf::actor_cast<workflow_impl>(self);
  if (!st.deps->scripts || st.cancel_asked ||
      std::holds_alternative<sandbox::script_problem>(checked)) {
    sandbox::run_end end;
    end.state = st.cancel_asked ? sandbox::end_state::cancelled : sandbox::end_state::failed;
    end.error = !st.deps->scripts ? "this node runs no workflows"
                : st.cancel_asked ? "cancelled"
                                  : std::get<sandbox::script_problem>(checked).describe();
    self->send(self, wf_ended_atom::value, end);
    return;
  }
  req.body = std::get<sandbox::checked_script>(checked).body;
  st.script = st.deps->scripts->start(std::move(req), std::make_shared<actor_host>(me));
  update_spent(st);
  broadcast(self);
}

void on_call(self_ptr self, const sandbox::host_call& c) {
  auto& st = self->state;
  if (st.ended)
    return;
  if (auto found = st.steps.find(c.path); found != st.steps.end()) {
    const auto& step = found->second;
    if (agent::is_final(step.state))
      answer(st, c.id, step); // finished before: no model call
    else
      st.waiting[step.spawn.id] = c.id; // still running: its end answers
    return;
  }
  auto me = caf::actor_cast<workflow_impl>(self);
  write(self, [deps = st.deps, run = *st.run, depth = st.depth, c, me] {
    try {
      auto step = c.kind == sandbox::call_kind::agent ? start_step(*deps, step_spawn(run, c))
                                                      : start_nested(*deps, run, depth, c);
      caf::anon_send(me, wf_step_atom::value, c.id, std::move(step));
    } catch (const std::invalid_argument& e) {
      caf::anon_send(me, wf_reject_atom::value, c.id, std::string(e.what()));
    }
  });
}

void on_step(self_ptr self, uint64_t call, agent::task_record step) {
  auto& st = self->state;
  const auto id = step.spawn.id;
  st.steps[step.spawn.call_id] = step;
  if (call != 0)
    st.waiting[id] = call;
  update_spent(st);
  if (agent::is_final(step.state) && !st.ended && st.script) {
    if (auto w = st.waiting.find(id); w != st.waiting.end()) {
      answer(st, w->second, step);
      st.waiting.erase(w);
    }
  }
  broadcast(self);
}

/// A step's end reached the run's inbox: read how it ended.
void on_note(self_ptr self, const chat::inbox_entry& e) {
  auto& st = self->state;
  if (e.kind != chat::inbox_kind::notification || !e.client_id.starts_with("task:"))
    return;
  auto me = caf::actor_cast<workflow_impl>(self);
  auto step_id = e.client_id.substr(5);
  st.deps->blocking->post([deps = st.deps, run_id = st.id, step_id, entry = e.id, me] {
    try {
      auto step = deps->tasks->find(step_id);
      deps->workflows->forget_note(run_id, entry);
      if (step)
        caf::anon_send(me, wf_step_atom::value, uint64_t{0}, std::move(*step));
    } catch (const std::exception& ex) {
      caf::anon_send(me, wf_crash_atom::value, std::string(ex.what()));
    }
  });
}

void on_ended(self_ptr self, const sandbox::run_end& end) {
  auto& st = self->state;
  st.ended = true;
  if (!st.suspended.empty()) { // moved or stopped by an operator: the script replays later
    for (auto& rp : st.suspended)
      rp.deliver(true);
    self->quit();
    return;
  }
  auto me = caf::actor_cast<workflow_impl>(self);
  write(self, [deps = st.deps, run = *st.run, end, me] {
    end_run(*deps, run, end);
    if (auto now = deps->workflows->find(run.task.spawn.id))
      caf::anon_send(me, wf_final_atom::value, std::move(*now));
  });
}

workflow_impl::behavior_type
workflow_behavior(self_ptr self, std::shared_ptr<const session_deps> deps, std::string id) {
  auto& st = self->state;
  st.deps = deps;
  st.id = id;
  st.writes = std::make_unique<serial_jobs>(deps->blocking);
  auto me = caf::actor_cast<workflow_impl>(self);
  deps->blocking->post(
    [deps, id, me] { caf::anon_send(me, wf_loaded_atom::value, load_run(*deps, id)); });
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& subs = self->state.subscribers;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const ws_client_actor& c) { return c.address() == dm.source; }),
               subs.end());
  });
  auto suspend = [self]() -> caf::result<bool> {
    auto& st = self->state;
    if (!st.script || st.ended) {
      self->quit();
      return true;
    }
    auto rp = self->make_response_promise<bool>();
    st.suspended.push_back(rp);
    st.script->cancel();
    return rp;
  };
  return {
    [self](wf_loaded_atom, run_load& loaded) {
      if (loaded.error) {
        self->quit(loaded.error);
        return;
      }
      if (agent::is_final(loaded.run->task.state)) {
        self->quit(); // nothing left to run
        return;
      }
      start_script(self, std::move(loaded));
    },
    [self](wf_call_atom, const sandbox::host_call& c) { on_call(self, c); },
    [self](wf_record_atom, const std::string& path, const std::string& value) {
      workflow::journal_entry j{path, value_kind(path), json::parse(value), "", ""};
      write(self, [deps = self->state.deps, run_id = self->state.id, j] {
        deps->workflows->record(run_id, j);
      });
    },
    [self](wf_event_atom, const sandbox::run_event& e) {
      auto& st = self->state;
      // A replay says again what it said before: written once, shown once.
      if (!st.said.insert(e.path).second)
        return;
      workflow::journal_entry j{e.path, e.what == sandbox::run_event::kind::phase ? "phase" : "log",
                                e.text, e.phase, ""};
      st.journal.push_back(j);
      write(self, [deps = st.deps, run_id = st.id, j] { deps->workflows->record(run_id, j); });
      broadcast(self);
    },
    [self](wf_ended_atom, const sandbox::run_end& end) { on_ended(self, end); },
    [self](wf_step_atom, uint64_t call, agent::task_record& step) {
      on_step(self, call, std::move(step));
    },
    [self](wf_reject_atom, uint64_t call, const std::string& why) {
      if (self->state.script && !self->state.ended)
        self->state.script->reject(call, "Error", why);
    },
    [self](wf_crash_atom, const std::string& why) {
      self->quit(caf::make_error(errc::storage_unavailable, why));
    },
    [self](wf_final_atom, workflow::run_record& now) {
      self->state.run = std::move(now);
      broadcast(self);
      self->quit();
    },
    // The session interface the registry speaks.
    [self](deliver_atom, const chat::inbox_entry& e) { on_note(self, e); },
    [self](subscribe_atom, ws_client_actor client, int64_t, int64_t) {
      self->monitor(client);
      self->state.subscribers.push_back(client);
      broadcast(self);
    },
    [self](unsubscribe_atom, ws_client_actor client) {
      auto& subs = self->state.subscribers;
      subs.erase(std::remove(subs.begin(), subs.end(), client), subs.end());
    },
    [self](cancel_atom) {
      auto& st = self->state;
      if (st.script)
        st.script->cancel();
      else
        st.cancel_asked = true;
    },
    [](events_atom, const chat::event_batch&) {},
    [](turn_done_atom, turn_done) {},
    [self](status_atom) {
      return self->state.script && !self->state.ended ? protocol::session_status::running
                                                      : protocol::session_status::idle;
    },
    [suspend](migrate_atom) { return suspend(); },
    [suspend](stop_atom) { return suspend(); },
    [self](inspect_atom) {
      std::vector<std::string> subs;
      for (const auto& c : self->state.subscribers)
        subs.push_back(caf::to_string(c.address()));
      auto state = self->state.script && !self->state.ended ? protocol::actor_state::running
                                                            : protocol::actor_state::idle;
      return caf::make_result(state, std::move(subs));
    },
  };
}

} // namespace

session_actor spawn_workflow_run(caf::actor_system& sys, std::shared_ptr<const session_deps> deps,
                                 const std::string& id) {
  return caf::actor_cast<session_actor>(sys.spawn(workflow_behavior, std::move(deps), id));
}

} // namespace boocode
