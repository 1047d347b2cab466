#include "runtime/agent/agent_tools.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "runtime/tools/tool_registry.hpp"
#include "runtime/tools/tool_result.hpp"

namespace boocode::agent {

namespace {

bool is_task_tool(const std::string& name) {
  const auto& names = subagent_tool_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

/// `schemas` (OpenAI function format) whose names `keep` accepts, appended to `out`.
template <class Keep>
void add_schemas(nlohmann::json& out, std::vector<std::string>& names,
                 const nlohmann::json& schemas, Keep keep) {
  for (const auto& s : schemas) {
    auto name = s.at("function").at("name").get<std::string>();
    if (keep(name)) {
      out.push_back(s);
      names.push_back(std::move(name));
    }
  }
}

} // namespace

agent_tools::agent_tools(workspace_tools& workspace, task_host* tasks,
                         const std::optional<std::vector<std::string>>& only)
  : workspace_(workspace), tasks_(tasks) {
  auto keep = [&only, &workspace](const std::string& name) {
    if (name == "view_image" && !workspace.shows_images())
      return false;
    return !only || std::find(only->begin(), only->end(), name) != only->end();
  };
  auto schemas = nlohmann::json::array();
  add_schemas(schemas, names_, tools::tool_schemas(), keep);
  if (tasks_ != nullptr)
    add_schemas(schemas, names_, subagent_tool_schemas(), keep);
  schemas_ = schemas.dump();
}

bool agent_tools::has(const std::string& name) const {
  return std::find(names_.begin(), names_.end(), name) != names_.end();
}

std::optional<bool> agent_tools::is_read_only(const std::string& name) const {
  if (!has(name))
    return std::nullopt;
  // The task tools change no file, and each may run again: a spawn finds the
  // task its call wrote, a cancel finds it ended.
  if (is_task_tool(name))
    return true;
  return workspace_.is_read_only(name);
}

bool agent_tools::changes_files(const std::string& name) const {
  return has(name) && workspace_.changes_files(name);
}

tools::tool_result agent_tools::run(const std::string& name, const nlohmann::json& args,
                                    const std::string& call_id) {
  if (!has(name))
    return tools::tool_error("there is no tool '" + name + "' here", true);
  if (is_task_tool(name))
    return run_task_tool(name, args, call_id);
  return workspace_.run(name, args, call_id);
}

tools::tool_result agent_tools::run_task_tool(const std::string& name, const nlohmann::json& args,
                                              const std::string& call_id) {
  return tools::guarded(true, [&] {
    tools::tool_result r;
    r.read_only = true;
    if (name == "spawn_subagent") {
      // A subagent may have the caller's tools, less the task tools unless
      // it may nest (the host refuses a spawn too deep anyway).
      r.text = tasks_->spawn(read_spawn(args, names_), call_id);
    } else if (name == "subagent_status") {
      r.text = tasks_->status(read_status(args));
    } else if (name == "subagent_result") {
      r.text = tasks_->result(read_result(args));
    } else if (name == "run_workflow") {
      r.text = tasks_->run_workflow(read_run_workflow(args), call_id);
    } else {
      r.text = tasks_->cancel(read_cancel(args));
    }
    return r;
  });
}

} // namespace boocode::agent
