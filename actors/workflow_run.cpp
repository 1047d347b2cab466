#include "actors/workflow_run.hpp"

#include <algorithm>
#include <utility>

#include "actors/workflow_run_state.hpp"
#include "runtime/errors.hpp"
#include "runtime/sandbox/engine.hpp"
#include "storage/storage_error.hpp"

namespace boocode {

namespace {

using namespace workflow_run_detail;
using json = nlohmann::json;

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

// "parallel-0/item-1/now-2" -> "now"
std::string value_kind(const std::string& path) {
  auto last = path.substr(path.rfind('/') + 1);
  return last.substr(0, last.find('-'));
}

void start_script(self_ptr self, run_load loaded) {
  auto& st = self->state;
  st.fence = loaded.fence;
  st.run = std::move(loaded.run);
  st.journal = std::move(loaded.journal);
  for (const auto& j : st.journal)
    st.said.insert(j.path);
  st.depth = loaded.depth;
  st.cache_ctx = std::move(loaded.cache);
  for (auto& t : loaded.steps) {
    st.agents += protocol::kind_of_actor(t.spawn.id) == protocol::actor_kind::workflow_step;
    if (t.spawn.cache)
      st.calls_by_digest[t.spawn.cache->digest].insert(t.spawn.call_id);
    st.steps[t.spawn.call_id] = std::move(t);
  }
  launch_script(self);
}

} // namespace

void workflow_run_detail::launch_script(self_ptr self) {
  auto& st = self->state;
  st.counted.set(residency::loaded);
  st.waiting.clear(); // call ids are the new script's
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
  touch(self);
}

void workflow_run_detail::touch(self_ptr self) {
  auto& st = self->state;
  ++st.activity;
  auto after = st.deps->workflow_limits.passivate_after;
  if (st.check_pending || after.count() <= 0 || !st.script || st.ended)
    return;
  st.check_pending = true;
  self->delayed_send(self, after, wf_check_atom::value, st.activity);
}

namespace {

/// A quiet spell is over: a script that only awaits its steps drops its
/// isolate (it is stopped; its end is not the run's).
void on_check(self_ptr self, uint64_t seen) {
  auto& st = self->state;
  st.check_pending = false;
  if (!st.script || st.ended || st.passivating)
    return;
  if (seen != st.activity || st.asking > 0 || st.waiting.empty() || !st.suspended.empty() ||
      st.cancel_asked) {
    --st.activity; // touch() counts again
    touch(self);
    return;
  }
  st.passivating = true;
  st.script->cancel();
}

void on_ended(self_ptr self, const sandbox::run_end& end) {
  auto& st = self->state;
  if (std::exchange(st.passivating, false) && end.state == sandbox::end_state::cancelled &&
      !st.cancel_asked && st.suspended.empty()) {
    st.script.reset(); // its isolate goes: the next step's end replays the script
    st.waiting.clear();
    st.passive = true;
    st.counted.set(residency::unloaded);
    if (std::exchange(st.woken, false)) { // a step ended meanwhile: replay now
      st.passive = false;
      launch_script(self);
      return;
    }
    st.deps->log->debug("workflow run {}: passivated, awaiting {} step(s)", st.id,
                        st.steps.size() - static_cast<size_t>(std::count_if(
                                            st.steps.begin(), st.steps.end(), [](const auto& s) {
                                              return agent::is_final(s.second.state);
                                            })));
    return;
  }
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
  st.counted = counted_actor{deps->counts, protocol::actor_kind::workflow};
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
      touch(self);
      workflow::journal_entry j{path, value_kind(path), json::parse(value), "", ""};
      // Kept: a replay after passivation reads the same value.
      if (self->state.said.insert(path).second)
        self->state.journal.push_back(j);
      write(self, [deps = self->state.deps, fence = self->state.fence, j] {
        deps->workflows->record(fence, j);
      });
    },
    [self](wf_event_atom, const sandbox::run_event& e) {
      touch(self);
      // A replay says again what it said before: written once, shown once.
      say(self, {e.path, e.what == sandbox::run_event::kind::phase ? "phase" : "log", e.text,
                 e.phase, ""});
    },
    [self](wf_ended_atom, const sandbox::run_end& end) { on_ended(self, end); },
    [self](wf_step_atom, uint64_t call, agent::task_record& step) {
      on_step(self, call, std::move(step));
    },
    [self](wf_looked_atom, cache_lookup& l) { on_looked(self, std::move(l)); },
    [self](wf_reject_atom, uint64_t call, const std::string& why) {
      --self->state.asking;
      touch(self);
      if (self->state.script && !self->state.ended)
        self->state.script->reject(call, "Error", why);
    },
    [self](wf_crash_atom, const std::string& why) {
      self->quit(caf::make_error(errc::storage_unavailable, why));
    },
    [self](wf_final_atom, workflow::run_record& now) {
      auto& st = self->state;
      st.run = std::move(now);
      st.finished = true;
      broadcast(self);
      if (steps_settled(st))
        self->quit();
      else // its stopped steps end shortly: shown as they do
        self->delayed_send(self, settle_time, wf_idle_atom::value);
    },
    [self](wf_idle_atom) { self->quit(); },
    [self](wf_check_atom, uint64_t seen) { on_check(self, seen); },
    // The session interface the registry speaks.
    [self](deliver_atom, const chat::inbox_entry& e) { on_note(self, e); },
    [self](subscribe_atom, ws_client_actor client, int64_t, int64_t) {
      auto& subs = self->state.subscribers;
      if (std::find(subs.begin(), subs.end(), client) == subs.end()) {
        self->monitor(client);
        subs.push_back(client);
      }
      broadcast(self);
    },
    [self](unsubscribe_atom, ws_client_actor client) {
      auto& subs = self->state.subscribers;
      subs.erase(std::remove(subs.begin(), subs.end(), client), subs.end());
    },
    [self](cancel_atom) {
      auto& st = self->state;
      st.cancel_asked = true;
      if (st.script) {
        st.script->cancel();
      } else if (st.passive) { // no script to stop: the run ends here
        st.passive = false;
        on_ended(self, {sandbox::end_state::cancelled, nullptr, "cancelled"});
      }
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
