#include "runtime/agent/workspace_tools.hpp"

#include <nlohmann/json.hpp>

#include "runtime/tools/run_command.hpp"
#include "runtime/tools/tool_registry.hpp"

namespace boocode::agent {

workspace_tools::workspace_tools(tools::tool_context ctx) : ctx_(std::move(ctx)) {}

const std::string& workspace_tools::schemas_json() const {
  static const std::string json = tools::tool_schemas().dump();
  return json;
}

std::size_t workspace_tools::size() const {
  return tools::tool_names().size();
}

std::optional<bool> workspace_tools::is_read_only(const std::string& name) const {
  return tools::is_read_only(name);
}

bool workspace_tools::changes_files(const std::string& name) const {
  return name == "write_file" || name == "edit_file";
}

tools::tool_result workspace_tools::run(const std::string& name, const nlohmann::json& args,
                                        const std::string& /*call_id*/) {
  return tools::execute(name, args, ctx_);
}

void workspace_tools::set_variables(const std::vector<std::string>& vars) {
  if (vars.empty())
    ctx_.env.reset();
  else
    ctx_.env = tools::command_environment(ctx_.workspace, vars);
}

tools::tool_result workspace_tools::run_command(const std::vector<std::string>& argv) const {
  return tools::run_command(ctx_, argv);
}

} // namespace boocode::agent
