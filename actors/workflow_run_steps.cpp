// The handlers of a workflow run's actor for its steps: asking for one,
// hearing that one changed or ended, answering the script, and what the run
// journals and shows meanwhile.
#include <algorithm>

#include "actors/step_cache_jobs.hpp"
#include "actors/workflow_run_state.hpp"
#include "runtime/digest.hpp"
#include "runtime/errors.hpp"
#include "runtime/protocol/tasks.hpp"
#include "runtime/protocol/workflows.hpp"
#include "runtime/sandbox/engine.hpp"
#include "runtime/trace/trace.hpp"
#include "runtime/workflow/run_checks.hpp"
#include "storage/storage_error.hpp"

namespace boocode::workflow_run_detail {

using json = nlohmann::json;

namespace {

void answer(workflow_state& st, uint64_t call, const agent::task_record& step) {
  auto a = answer_of(step);
  if (a.error_name.empty())
    st.script->settle(call, a.value);
  else
    st.script->reject(call, a.error_name, a.message);
}

void warn(self_ptr self, const std::string& key, std::string text, std::string phase) {
  say(self, {"warning-" + key, "warning", std::move(text), std::move(phase), ""});
}

/// Reads step `id` again (it changed, or ended: then its notification,
/// inbox entry `note`, is read and dropped) and hands it to the actor.
void reread_step(self_ptr self, const std::string& id, std::optional<int64_t> note = {}) {
  auto me = caf::actor_cast<workflow_impl>(self);
  self->state.deps->blocking->post(
    [deps = self->state.deps, run_id = self->state.id, id, note, me] {
      try {
        auto step = deps->tasks->find(id);
        if (note)
          deps->workflows->forget_note(run_id, *note);
        if (step)
          caf::anon_send(me, wf_step_atom::value, uint64_t{0}, std::move(*step));
      } catch (const std::exception& ex) {
        caf::anon_send(me, wf_crash_atom::value, std::string(ex.what()));
      }
    });
}

} // namespace

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

void write(self_ptr self, std::function<void()> job) {
  auto me = caf::actor_cast<workflow_impl>(self);
  try {
    self->state.writes->post([me, deps = self->state.deps, log = self->state.deps->log,
                              id = self->state.id, job = std::move(job)] {
      try {
        job();
      } catch (const storage::fenced& e) { // another owner replays the run: this one stops
        deps->metrics->fencing_refusals.inc();
        log->warn("workflow run {}: {}", id, e.what());
        caf::anon_send(me, wf_idle_atom::value);
      } catch (const std::exception& e) {
        caf::anon_send(me, wf_crash_atom::value, std::string(e.what()));
      }
    });
  } catch (const std::exception& e) {
    self->quit(caf::make_error(errc::storage_unavailable, e.what()));
  }
}

void say(self_ptr self, workflow::journal_entry j) {
  auto& st = self->state;
  if (!st.said.insert(j.path).second)
    return;
  j.created_at = trace::iso_time(trace::now_us());
  st.journal.push_back(j);
  write(self, [deps = st.deps, fence = st.fence, j] { deps->workflows->record(fence, j); });
  broadcast(self);
}

void on_call(self_ptr self, const sandbox::host_call& c) {
  auto& st = self->state;
  // A script being stopped to passivate asks nothing more: its replay will.
  if (st.ended || st.passivating)
    return;
  touch(self);
  if (auto found = st.steps.find(c.path); found != st.steps.end()) {
    const auto& step = found->second;
    if (c.kind == sandbox::call_kind::agent) {
      if (auto why = workflow::replay_mismatch(step, sha256_hex(c.spec.dump())))
        warn(self, "replay-" + c.path, *why, step.spawn.phase);
    }
    if (agent::is_final(step.state))
      answer(st, c.id, step); // finished before: no model call
    else
      st.waiting[step.spawn.id] = c.id; // still running: its end answers
    return;
  }
  if (c.kind == sandbox::call_kind::agent) {
    if (auto why =
          workflow::agent_cap_refusal(st.agents, st.deps->workflow_limits.agents_per_run)) {
      st.script->reject(c.id, "Error", *why);
      return;
    }
    ++st.agents;
  }
  std::optional<agent::step_cache_note> note;
  if (c.kind == sandbox::call_kind::agent) {
    auto spec = step_cache::key_spec(c.spec, st.cache_ctx);
    auto& calls = st.calls_by_digest[step_cache::spec_digest(spec)];
    auto occurrence = static_cast<int>(calls.size());
    calls.insert(c.path);
    note = plan_cache(*st.run, c.spec, spec, occurrence);
  }
  ++st.asking;
  auto me = caf::actor_cast<workflow_impl>(self);
  using protocol::cache_mode;
  if (note && note->status != protocol::cache_status::off &&
      (st.run->cache == cache_mode::on || st.run->cache == cache_mode::read)) {
    // Looked up beside the run's writes (not behind them): a hit answers the
    // script at once, and its row is written behind (on_looked).
    auto s = step_spawn(*st.run, c);
    s.cache = note;
    st.deps->blocking->post(
      [deps = st.deps, workspace = st.run->workspace, call = c.id, s = std::move(s), me] {
        caf::anon_send(me, wf_looked_atom::value, look_up(*deps, workspace, call, s));
      });
    return;
  }
  write(self, [deps = st.deps, run = *st.run, depth = st.depth, c, me, note] {
    try {
      agent::task_record step;
      if (c.kind == sandbox::call_kind::agent) {
        auto s = step_spawn(run, c);
        s.cache = note;
        step = start_step(*deps, s);
      } else {
        step = start_nested(*deps, run, depth, c);
      }
      caf::anon_send(me, wf_step_atom::value, c.id, std::move(step));
    } catch (const std::invalid_argument& e) {
      caf::anon_send(me, wf_reject_atom::value, c.id, std::string(e.what()));
    }
  });
}

void on_looked(self_ptr self, cache_lookup l) {
  auto me = caf::actor_cast<workflow_impl>(self);
  if (self->state.ended) { // the run ended meanwhile: nothing more starts
    --self->state.asking;
    return;
  }
  if (l.hit) {
    // Stored behind the answer (ahead of the run's later writes, its end
    // among them); lost in a crash, the replay takes it from the cache again.
    write(self, [deps = self->state.deps, s = l.spawn, e = *l.hit, ms = l.ms] {
      write_hit(*deps, s, e, ms);
    });
    on_step(self, l.call, hit_record(l.spawn, *l.hit));
    return;
  }
  write(self, [deps = self->state.deps, call = l.call, s = std::move(l.spawn), me] {
    try {
      caf::anon_send(me, wf_step_atom::value, call, start_step(*deps, s));
    } catch (const std::invalid_argument& e) {
      caf::anon_send(me, wf_reject_atom::value, call, std::string(e.what()));
    }
  });
}

bool steps_settled(const workflow_state& st) {
  return std::all_of(st.steps.begin(), st.steps.end(),
                     [](const auto& s) { return agent::is_final(s.second.state); });
}

void on_step(self_ptr self, uint64_t call, agent::task_record step) {
  auto& st = self->state;
  const auto id = step.spawn.id;
  // The run's inbox also hears of the subagents its steps spawn: not steps.
  if (call == 0 && step.spawn.parent_actor != st.id)
    return;
  // Reads of a step may arrive out of order: an ended step never runs again.
  if (auto known = st.steps.find(step.spawn.call_id); known != st.steps.end() &&
                                                      agent::is_final(known->second.state) &&
                                                      !agent::is_final(step.state))
    step = known->second;
  st.steps[step.spawn.call_id] = step;
  if (call != 0) {
    st.waiting[id] = call;
    --st.asking;
  }
  update_spent(st);
  if (agent::is_final(step.state) && st.run) {
    auto threshold = st.run->budget.value_or(st.deps->workflow_limits.warn_tokens);
    if (auto why = workflow::token_warning(workflow::project_tokens(st.steps), threshold,
                                           st.run->budget.has_value()))
      warn(self, "projected", *why, step.spawn.phase);
  }
  if (st.finished && steps_settled(st)) {
    broadcast(self);
    self->quit();
    return;
  }
  // A script being stopped to passivate hears nothing more: it replays at
  // once (its end is on its way) and reads this end then.
  if (agent::is_final(step.state) && st.passivating)
    st.woken = true;
  if (agent::is_final(step.state) && !st.ended && st.script && !st.passivating) {
    if (auto w = st.waiting.find(id); w != st.waiting.end()) {
      answer(st, w->second, step);
      st.waiting.erase(w);
      touch(self);
    }
  }
  broadcast(self);
  // A passive run's step ended: its script replays and reads the result.
  if (st.passive && agent::is_final(step.state)) {
    st.passive = false;
    st.deps->log->debug("workflow run {}: step {} ended, replaying", st.id, id);
    launch_script(self);
  }
}

/// A step's end reached the run's inbox: read how it ended. A step's change
/// (it started, its tokens grew): read it again for the run's watchers.
void on_note(self_ptr self, const chat::inbox_entry& e) {
  auto& st = self->state;
  if (e.kind == chat::inbox_kind::task_event) {
    auto event = protocol::read_task_event(e.content);
    if (const auto* changed = event ? std::get_if<chat::task_changed>(&*event) : nullptr) {
      auto task = json::parse(changed->task, nullptr, false);
      if (task.is_object() && task.value("id", "") != st.id)
        reread_step(self, task.value("id", ""));
    }
    return;
  }
  if (e.kind != chat::inbox_kind::notification || !e.client_id.starts_with("task:"))
    return;
  reread_step(self, e.client_id.substr(5), e.id);
}

} // namespace boocode::workflow_run_detail
