#include "actors/workflow_jobs.hpp"

#include <algorithm>
#include <stdexcept>

#include "actors/step_cache_jobs.hpp"
#include "actors/storage_errors.hpp"
#include "actors/task_control.hpp"
#include "runtime/agent/task_text.hpp"
#include "runtime/digest.hpp"
#include "runtime/errors.hpp"
#include "runtime/node_identity.hpp"
#include "runtime/sandbox/engine.hpp"
#include "runtime/workflow/discovery.hpp"
#include "runtime/workflow/structured_answer.hpp"
#include "storage/storage_error.hpp"

namespace boocode {

namespace {

using json = nlohmann::json;

constexpr std::size_t label_bytes = 80;

/// Steps running at once when the script names none, and the most it may
/// ask for.
constexpr int default_concurrency = 3;
constexpr int max_concurrency = 32;

std::string first_line(const std::string& text) {
  auto line = text.substr(0, text.find('\n'));
  if (line.size() > label_bytes)
    line = line.substr(0, label_bytes) + "…";
  return line;
}

} // namespace

run_load load_run(const session_deps& deps, const std::string& id) {
  run_load out;
  try {
    out.fence = deps.sessions->acquire_lease(id, deps.node_id);
    deps.workflows->forget_notes(id); // before the steps are read: no end is missed
    out.run = deps.workflows->find(id);
    if (!out.run) {
      out.error = caf::make_error(errc::not_found, "no workflow run " + id);
      return out;
    }
    out.journal = deps.workflows->journal(id);
    out.steps = deps.tasks->children(id);
    out.depth = out.run->task.spawn.depth;
    out.cache = step_context_of(deps, out.run->workspace);
  } catch (const storage::storage_error& e) {
    out.error = to_error(e);
  } catch (const std::exception& e) {
    out.error = caf::make_error(errc::storage_failure, e.what());
  }
  return out;
}

agent::task_spawn step_spawn(const workflow::run_record& run, const sandbox::host_call& c) {
  const auto& spec = c.spec;
  agent::task_spawn s;
  s.id = random_id("s_", 16);
  s.chat_id = run.task.spawn.id;
  s.parent_actor = run.task.spawn.id;
  s.call_id = c.path;
  auto prompt = spec.at("prompt").get<std::string>();
  auto label = spec.find("label");
  s.description = label != spec.end() && label->is_string() && !label->get<std::string>().empty()
                    ? label->get<std::string>()
                    : first_line(prompt);
  if (auto p = spec.find("phase"); p != spec.end() && p->is_string())
    s.phase = p->get<std::string>();
  if (auto t = spec.find("tools"); t != spec.end() && t->is_array()) {
    std::vector<std::string> tools;
    for (const auto& name : *t)
      if (name.is_string())
        tools.push_back(name.get<std::string>());
    s.tools = std::move(tools);
  }
  if (auto m = spec.find("model"); m != spec.end() && m->is_string())
    s.model = m->get<std::string>();
  if (auto w = spec.find("worktree"); w != spec.end() && w->is_boolean())
    s.worktree = w->get<bool>();
  if (auto t = spec.find("maxTurns"); t != spec.end() && t->is_number_integer())
    s.max_turns = static_cast<int>(std::clamp<int64_t>(t->get<int64_t>(), 1, 1000));
  if (auto schema = spec.find("schema"); schema != spec.end() && schema->is_object()) {
    s.schema = schema->dump();
    prompt += workflow::schema_instructions(*schema);
  }
  s.prompt = std::move(prompt);
  s.spec_hash = sha256_hex(spec.dump()); // keys sorted: the same spec, the same hash
  return s;
}

agent::task_record start_step(const session_deps& deps, const agent::task_spawn& s) {
  auto created = deps.tasks->create(s);
  const auto& id = created.task.spawn.id;
  if (created.task.state == protocol::task_state::queued)
    task_control{deps}.try_start(id);
  auto now = deps.tasks->find(id);
  return now ? *now : created.task;
}

agent::task_record start_nested(const session_deps& deps, const workflow::run_record& parent,
                                int depth, const sandbox::host_call& c) {
  if (depth + 1 > max_nesting)
    throw std::invalid_argument("workflow(): runs nest at most 3 deep");
  run_launch l;
  l.workspace = parent.workspace;
  l.chat_id = parent.task.spawn.id; // its steps' chat and its parent: the run
  l.call_id = c.path;
  l.depth = depth + 1;
  l.name = c.spec.at("name").get<std::string>();
  l.args = c.spec.value("args", json(nullptr));
  l.concurrency = parent.concurrency;
  l.cache = parent.cache;
  auto launched = launch_run(deps, l);
  if (auto* err = std::get_if<chat::service_error>(&launched))
    throw std::invalid_argument("workflow(): " + err->message);
  return std::get<workflow::run_record>(launched).task;
}

chat::result<workflow::run_record> launch_run(const session_deps& deps, const run_launch& l) {
  std::string source = l.script;
  if (!l.name.empty()) {
    auto found = workflow::find_workflow(l.workspace, deps.home, l.name);
    if (!found)
      return chat::service_error{404, "not_found", "no workflow named " + l.name};
    source = found->source;
  }
  if (!deps.scripts)
    return chat::service_error{503, "workflows_off", "this node runs no workflows"};
  auto checked = deps.scripts->check(l.name.empty() ? "script.js" : l.name + ".js", source);
  if (auto* problem = std::get_if<sandbox::script_problem>(&checked))
    return chat::service_error{400, "invalid_script", problem->describe()};
  const auto& meta = std::get<sandbox::checked_script>(checked).meta;
  // Args are checked when the script's meta.args is a JSON Schema.
  if (meta.args.is_object() && meta.args.contains("type"))
    if (auto why = workflow::schema_mismatch(meta.args, l.args))
      return chat::service_error{400, "invalid_args", "args: " + *why};
  storage::workflow_run_spec ws;
  auto& t = ws.task;
  t.id = random_id("w_", 16);
  t.chat_id = l.chat_id.empty() ? t.id : l.chat_id;
  t.parent_actor = l.parent_actor.empty() ? t.chat_id : l.parent_actor;
  t.parent_turn = l.parent_turn;
  t.call_id = l.call_id.empty() ? t.id : l.call_id; // over REST every POST is a run of its own
  t.depth = l.depth;
  t.description = meta.name;
  t.prompt = "workflow " + meta.name;
  ws.name = meta.name;
  ws.source = source;
  ws.args = l.args;
  ws.meta = meta.literal;
  ws.budget = l.budget;
  ws.concurrency = std::clamp(
    meta.concurrency.value_or(l.concurrency.value_or(default_concurrency)), 1, max_concurrency);
  ws.workspace = l.workspace;
  ws.owner = l.owner;
  ws.cache = l.cache;
  auto created = deps.workflows->create(ws);
  const auto& id = created.run.task.spawn.id;
  if (created.run.task.state == protocol::task_state::queued) {
    if (auto entry = deps.tasks->start(id, deps.node_id)) {
      task_control control{deps};
      control.deliver(id, *entry);
      if (!l.chat_id.empty())
        control.announce(id);
    }
  }
  auto now = deps.workflows->find(id);
  return now ? *now : created.run;
}

step_answer answer_of(const agent::task_record& step) {
  step_answer a;
  a.value = nullptr;
  switch (step.state) {
    case protocol::task_state::completed:
      if (step.spawn.id.starts_with("w_")) { // a nested run: its result
        auto v = json::parse(step.result, nullptr, false);
        a.value = v.is_discarded() ? json(nullptr) : v;
      } else if (!step.spawn.schema.empty()) {
        if (auto object = workflow::extract_object(step.result)) {
          a.value = *object;
        } else {
          a.error_name = "SchemaMismatch";
          a.message = "the step's answer holds no JSON object";
        }
      } else {
        a.value = step.result;
      }
      break;
    case protocol::task_state::failed:
      if (step.error.starts_with("schema mismatch")) {
        a.error_name = "SchemaMismatch";
        a.message = step.error;
      }
      break;
    default:
      break;
  }
  return a;
}

void end_run(const session_deps& deps, const workflow::run_record& run,
             const sandbox::run_end& end) {
  const auto& id = run.task.spawn.id;
  auto state = end.state == sandbox::end_state::completed   ? protocol::task_state::completed
               : end.state == sandbox::end_state::cancelled ? protocol::task_state::cancelled
                                                            : protocol::task_state::failed;
  std::string result;
  if (state == protocol::task_state::completed) {
    deps.workflows->set_result(id, end.result);
    result = end.result.dump();
  }
  task_control control{deps};
  auto note = agent::notification_text(run.task, state, result, end.error);
  if (auto entry = deps.tasks->finish(id, state, result, end.error, note))
    control.deliver(run.task.spawn.parent_actor, *entry);
  control.announce(id);
  if (state != protocol::task_state::completed)
    for (const auto& step : deps.tasks->children(id))
      if (!agent::is_final(step.state))
        control.cancel_tree(step.spawn.id);
  control.start_queued();
}

} // namespace boocode
