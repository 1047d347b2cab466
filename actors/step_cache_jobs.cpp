#include "actors/step_cache_jobs.hpp"

#include <chrono>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "runtime/chat/system_prompt.hpp"
#include "runtime/step_cache/check.hpp"
#include "runtime/tools/tool_registry.hpp"
#include "runtime/trace/trace.hpp"

namespace boocode {

namespace {

using json = nlohmann::json;
using protocol::cache_mode;
using protocol::cache_status;

/// The cache is swept (expired and least recently used entries) at most
/// this often per node.
constexpr int64_t sweep_every_us = int64_t{60} * 1000 * 1000;

/// Why a step was not found under its key: its place in the workflow last
/// held another spec (which field changed), the same one, or nothing.
std::string why_absent(const session_deps& deps, const std::string& workspace,
                       const agent::task_spawn& s) {
  const auto& note = *s.cache;
  auto last = deps.step_cache->last_spec(workspace, note.workflow, s.call_id);
  if (!last)
    return step_cache::miss{step_cache::miss_kind::first_run, ""}.describe();
  auto field = step_cache::changed_field(*last, json::parse(note.spec));
  if (field.empty())
    return step_cache::miss{step_cache::miss_kind::gone, ""}.describe();
  return step_cache::miss{step_cache::miss_kind::spec_changed, field}.describe();
}

void trace_hit(const session_deps& deps, const agent::task_record& step,
               const storage::cache_entry& e, double lookup_ms) {
  if (!deps.traces || !deps.trace_ids)
    return;
  auto now = trace::now_us();
  auto start = std::make_shared<trace::trace_start>();
  start->id = deps.trace_ids->next();
  start->chat_id = step.spawn.id;
  start->turn = 1;
  start->kind = protocol::trace_kind::cache;
  start->tool = "cache_hit";
  start->call_id = "cache";
  start->actor = {protocol::actor_kind::workflow_step, step.spawn.id, step.spawn.parent_actor};
  start->input = json{{"key", e.key}, {"source", e.step_id}}.dump();
  start->started_us = now - static_cast<int64_t>(lookup_ms * 1000);
  trace::trace_end end;
  end.finished_us = now;
  end.latency_ms = lookup_ms;
  end.output = fmt::format("took the result of step {}: no model call, {} tokens saved, {} files "
                           "put back",
                           e.step_id, e.usage.input + e.usage.output,
                           e.record.value("writes", json::array()).size());
  deps.traces->finished({std::move(start), std::move(end)});
}

} // namespace

std::string canonical_workspace(const std::string& workspace) {
  std::error_code ec;
  auto path = std::filesystem::canonical(workspace, ec);
  return ec ? workspace : path.string();
}

step_cache::step_context step_context_of(const session_deps& deps, const std::string& workspace) {
  step_cache::step_context ctx;
  ctx.model = deps.provider ? deps.provider->model_name() : "";
  ctx.system_prompt = chat::subagent_system_prompt(workspace);
  ctx.tools = tools::tool_names();
  ctx.workspace = canonical_workspace(workspace);
  return ctx;
}

agent::step_cache_note plan_cache(const workflow::run_record& run, const json& options,
                                  const json& key_spec, int occurrence) {
  agent::step_cache_note n;
  n.workflow = run.name;
  n.spec = key_spec.dump();
  n.digest = step_cache::spec_digest(key_spec);
  n.key = step_cache::cache_key(n.digest, occurrence);
  auto off = [&](const char* why) {
    n.status = cache_status::off;
    n.reason = step_cache::miss{step_cache::miss_kind::disabled, why}.describe();
    n.write = false;
    return n;
  };
  if (auto c = options.find("cache"); c != options.end() && c->is_boolean() && !c->get<bool>())
    return off("agent(…, {cache: false})");
  if (auto w = options.find("worktree"); w != options.end() && w->is_boolean() && w->get<bool>())
    return off("a worktree step");
  switch (run.cache) {
    case cache_mode::off:
      return off("the run's cache is off");
    case cache_mode::write:
      n.status = cache_status::miss;
      n.reason = "cache read off: the run only writes";
      n.write = true;
      return n;
    case cache_mode::read:
    case cache_mode::on:
      n.status = cache_status::miss; // until it is looked up
      n.write = run.cache == cache_mode::on;
      return n;
  }
  return n;
}

std::optional<storage::cache_entry> take_hit(const session_deps& deps, const std::string& workspace,
                                             agent::task_spawn& s) {
  auto& note = *s.cache;
  if (note.status == cache_status::off)
    return std::nullopt;
  auto root = canonical_workspace(workspace);
  auto e = deps.step_cache->find(note.key, deps.workflow_limits.cache_ttl);
  if (!e) {
    note.reason = why_absent(deps, root, s);
    return std::nullopt;
  }
  try {
    auto record = step_cache::record_from_json(e->record);
    if (auto m = step_cache::check(root, record)) {
      note.reason = m->describe();
      return std::nullopt;
    }
    step_cache::restore(root, record);
  } catch (const std::exception& ex) { // a record it cannot read, a file it cannot write
    note.reason = step_cache::miss{step_cache::miss_kind::write_conflict, ex.what()}.describe();
    return std::nullopt;
  }
  note.status = cache_status::hit;
  note.write = false;
  note.saved = e->usage.input + e->usage.output;
  note.source = e->step_id;
  return e;
}

cache_lookup look_up(const session_deps& deps, const std::string& workspace, uint64_t call,
                     agent::task_spawn s) {
  cache_lookup l{call, std::move(s), std::nullopt, 0};
  auto t0 = std::chrono::steady_clock::now();
  try {
    l.hit = take_hit(deps, workspace, l.spawn);
  } catch (const std::exception& e) { // the step runs; the cache is not worth a failed run
    l.spawn.cache->reason = std::string("the cache could not be read: ") + e.what();
  }
  l.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return l;
}

agent::task_record hit_record(const agent::task_spawn& s, const storage::cache_entry& e) {
  agent::task_record t;
  t.spawn = s;
  t.state = protocol::task_state::completed;
  t.result = e.result;
  t.created_at = t.started_at = t.ended_at = trace::iso_time(trace::now_us());
  return t;
}

agent::task_record write_hit(const session_deps& deps, const agent::task_spawn& s,
                             const storage::cache_entry& e, double lookup_ms) {
  // Written completed at once: no queued moment another step's end could start.
  auto created = deps.tasks->create(s, &e.result);
  if (created.fresh)
    trace_hit(deps, created.task, e, lookup_ms);
  return created.task;
}

void store_step(const session_deps& deps, const std::string& step_id,
                const step_cache::recorder& rec) {
  try {
    auto step = deps.tasks->find(step_id);
    if (!step || !step->spawn.cache || !step->spawn.cache->write ||
        step->state != protocol::task_state::completed)
      return;
    auto note = *step->spawn.cache;
    auto spec = json::parse(note.spec);
    auto done = rec.finish();
    if (auto* why = std::get_if<std::string>(&done)) {
      note.reason = step_cache::miss{step_cache::miss_kind::uncacheable, *why}.describe();
      note.write = false;
      deps.tasks->set_cache(step_id, note);
      return;
    }
    const auto& record = std::get<step_cache::step_record>(done);
    storage::cache_entry e;
    e.key = note.key;
    e.workspace = spec.value("workspace", "");
    e.workflow = note.workflow;
    e.path = step->spawn.call_id;
    e.spec = std::move(spec);
    e.result = step->result;
    e.usage = step->usage;
    e.step_id = step_id;
    e.record = step_cache::to_json(record);
    e.bytes = static_cast<int64_t>(record.bytes() + e.result.size());
    deps.step_cache->store(e);
    auto now = trace::now_us();
    auto last = deps.cache_swept_us->load();
    if (now - last > sweep_every_us && deps.cache_swept_us->compare_exchange_strong(last, now)) {
      auto gone = deps.step_cache->sweep(deps.workflow_limits.cache_ttl,
                                         deps.workflow_limits.cache_max_bytes);
      if (gone > 0 && deps.log)
        deps.log->info("step cache: {} entries expired or evicted", gone);
    }
  } catch (const std::exception& ex) {
    if (deps.log)
      deps.log->warn("step {} was not stored in the step cache: {}", step_id, ex.what());
  }
}

} // namespace boocode
