#include "actors/task_host.hpp"

#include <algorithm>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/workflow_jobs.hpp"
#include "runtime/agent/task_text.hpp"
#include "runtime/agent/worktree.hpp"
#include "runtime/node_identity.hpp"
#include "runtime/tools/tool_result.hpp"

namespace boocode {

using tools::tool_failure;

std::string worker_task_host::spawn(const agent::spawn_args& args, const std::string& call_id) {
  int depth = caller_.depth + 1;
  if (auto why = agent::spawn_refusal(deps_.task_limits, spawned_, depth))
    throw tool_failure(*why);
  if (args.worktree)
    agent::check_git_workspace(caller_.workspace); // a clear error before anything is written
  agent::task_spawn s;
  s.id = random_id("t_", 16);
  s.chat_id = caller_.chat_id;
  s.parent_actor = caller_.actor_id;
  s.parent_turn = caller_.turn;
  s.call_id = call_id;
  s.depth = depth;
  s.description = args.description;
  s.prompt = args.prompt;
  s.tools = args.tools;
  s.model = args.model;
  s.worktree = args.worktree;
  auto made = deps_.tasks->create(s);
  ++spawned_;
  const auto& id = made.task.spawn.id;
  if (made.fresh && s.worktree) {
    auto wt = agent::add_worktree(caller_.workspace, id);
    deps_.tasks->set_worktree(id, wt.path, wt.branch);
  }
  if (made.fresh)
    control_.announce(id);
  bool started = made.task.state == protocol::task_state::queued && control_.try_start(id);
  auto state = started ? protocol::task_state::running : made.task.state;
  nlohmann::json answer{{"task_id", id}, {"state", protocol::to_string(state)}};
  answer["note"] =
    state == protocol::task_state::queued
      ? "Queued behind the running subagents' limit; it starts when one ends. You are notified "
        "when it ends; go on with your own work."
      : "You are notified when it ends; go on with your own work.";
  return answer.dump();
}

agent::task_record worker_task_host::own_task(const std::string& id) {
  auto t = deps_.tasks->find(id);
  if (!t || t->spawn.chat_id != caller_.chat_id)
    throw tool_failure(fmt::format("there is no task {} in this chat", id));
  return std::move(*t);
}

std::string worker_task_host::status(const std::optional<std::string>& task_id) {
  if (task_id)
    return agent::task_status(own_task(*task_id)).dump();
  auto items = nlohmann::json::array();
  for (const auto& t : deps_.tasks->for_chat(caller_.chat_id))
    items.push_back(agent::task_status(t));
  return nlohmann::json{{"tasks", std::move(items)}}.dump();
}

std::string worker_task_host::result(const agent::result_args& args) {
  auto t = own_task(args.task_id);
  auto until = std::chrono::steady_clock::now() + args.wait;
  auto pause = std::chrono::milliseconds(100);
  // The end is a row's change: look again, less often as the wait goes on.
  while (!agent::is_final(t.state) && !cancel_.cancelled() &&
         std::chrono::steady_clock::now() + pause <= until) {
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(500));
    t = own_task(args.task_id);
  }
  return agent::result_text(t);
}

std::string worker_task_host::cancel(const std::string& task_id) {
  auto t = own_task(task_id);
  if (agent::is_final(t.state))
    return fmt::format("Task {} had already ended ({}).", task_id, protocol::to_string(t.state));
  control_.cancel_tree(task_id);
  return fmt::format("Task {} is being stopped; it ends cancelled and you are notified.", task_id);
}

std::string worker_task_host::run_workflow(const agent::workflow_args& args,
                                           const std::string& call_key) {
  run_launch l;
  l.workspace = caller_.workspace;
  l.chat_id = caller_.chat_id;
  l.parent_actor = caller_.actor_id;
  l.parent_turn = caller_.turn;
  l.call_id = call_key;
  l.name = args.name;
  l.script = args.script;
  l.args = args.args;
  auto launched = launch_run(deps_, l);
  if (auto* err = std::get_if<chat::service_error>(&launched))
    throw tool_failure("run_workflow: " + err->message);
  const auto& run = std::get<workflow::run_record>(launched);
  nlohmann::json answer{{"run_id", run.task.spawn.id},
                        {"name", run.name},
                        {"state", protocol::to_string(run.task.state)},
                        {"note", "You are notified with its result when it ends; go on with your "
                                 "own work."}};
  return answer.dump();
}

} // namespace boocode
