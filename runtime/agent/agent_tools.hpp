#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/agent/spec.hpp"
#include "runtime/agent/subagent_tools.hpp"
#include "runtime/agent/workspace_tools.hpp"

namespace boocode::agent {

/// What the subagent tools do for the agent that calls them: the tasks'
/// rows, their actors and their notifications (actors/task_host implements
/// it over the database and the registry). Each call blocks and answers the
/// text the model reads; a refusal throws tools::tool_failure.
class task_host {
public:
  virtual ~task_host() = default;
  /// Writes the task (once per call, `call_key` as tool_set::run has it: a
  /// resumed turn's replay finds it) and starts it, or queues it behind the
  /// limits; answers its id.
  virtual std::string spawn(const spawn_args& args, const std::string& call_key) = 0;
  /// One task's state, or every task of the chat.
  virtual std::string status(const std::optional<std::string>& task_id) = 0;
  /// The task's result once it ended, waiting for that up to `args.wait`.
  virtual std::string result(const result_args& args) = 0;
  /// Stops the task and the tasks it started.
  virtual std::string cancel(const std::string& task_id) = 0;
  /// Starts a workflow run (once per call, like spawn); answers its id.
  virtual std::string run_workflow(const workflow_args& args, const std::string& call_key) = 0;
};

/// An agent's tools: the workspace tools (only `only` of them when set;
/// view_image only when the workspace tools can show images),
/// then, with a host, the subagent tools (again only those in `only`). The
/// schemas are the same bytes for the same choice, in the fixed order.
class agent_tools final : public tool_set {
public:
  agent_tools(workspace_tools& workspace, task_host* tasks,
              const std::optional<std::vector<std::string>>& only);

  const std::string& schemas_json() const override { return schemas_; }
  std::size_t size() const override { return names_.size(); }
  std::optional<bool> is_read_only(const std::string& name) const override;
  bool changes_files(const std::string& name) const override;
  tools::tool_result run(const std::string& name, const nlohmann::json& args,
                         const std::string& call_id) override;

  /// The names it offers, in schema order.
  const std::vector<std::string>& names() const { return names_; }

private:
  bool has(const std::string& name) const;
  tools::tool_result run_task_tool(const std::string& name, const nlohmann::json& args,
                                   const std::string& call_id);

  workspace_tools& workspace_;
  task_host* tasks_;
  std::vector<std::string> names_;
  std::string schemas_;
};

} // namespace boocode::agent
