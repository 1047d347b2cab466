#pragma once

#include <string>

#include "actors/session_deps.hpp"
#include "actors/task_control.hpp"
#include "runtime/agent/agent_tools.hpp"
#include "runtime/cancel_token.hpp"

namespace boocode {

/// Who calls the subagent tools: the agent (a chat, or a task when nesting
/// is on), the chat it works for, its turn, how deep it is (0: a chat), and
/// its workspace (worktrees are made in it).
struct task_caller {
  std::string chat_id;
  std::string actor_id;
  int turn = 0;
  int depth = 0;
  std::string workspace;
};

/// The subagent tools of one turn of one agent, over the node's database
/// and registry (runtime/agent/agent_tools.hpp says what each does). Runs on
/// the turn's thread.
class worker_task_host final : public agent::task_host {
public:
  worker_task_host(const session_deps& deps, task_caller caller, const cancel_token& cancel)
    : deps_(deps), control_(deps), caller_(std::move(caller)), cancel_(cancel) {}

  std::string spawn(const agent::spawn_args& args, const std::string& call_id) override;
  std::string status(const std::optional<std::string>& task_id) override;
  std::string result(const agent::result_args& args) override;
  std::string cancel(const std::string& task_id) override;
  std::string run_workflow(const agent::workflow_args& args, const std::string& call_key) override;

private:
  /// The task `id` if it is this chat's; else a tool failure.
  agent::task_record own_task(const std::string& id);

  const session_deps& deps_;
  task_control control_;
  task_caller caller_;
  const cancel_token& cancel_;
  int spawned_ = 0; // this turn's spawns so far
};

} // namespace boocode
