#pragma once

#include "runtime/agent/spec.hpp"
#include "runtime/tools/tool_context.hpp"

namespace boocode::agent {

/// The workspace tools (runtime/tools: read_file, write_file, edit_file,
/// list_dir, search, run_command, view_image) as a tool set, working in one
/// workspace. Agents get them through agent_tools, which leaves view_image
/// out when it cannot show images.
class workspace_tools final : public tool_set {
public:
  explicit workspace_tools(tools::tool_context ctx);

  const std::string& schemas_json() const override;
  std::size_t size() const override;
  std::optional<bool> is_read_only(const std::string& name) const override;
  bool changes_files(const std::string& name) const override;
  tools::tool_result run(const std::string& name, const nlohmann::json& args,
                         const std::string& call_id) override;

  /// run_command with `argv` in the same workspace (the auto-fix build).
  tools::tool_result run_command(const std::vector<std::string>& argv) const;
  /// Whether the commands that follow may use the network (the chat's setting).
  void allow_network(bool on) { ctx_.network = on; }
  /// The chat's own variables (NAME=VALUE) for the commands that follow,
  /// after their fixed environment.
  void set_variables(const std::vector<std::string>& vars);
  /// Whether view_image can show the model an image (the node sends images).
  bool shows_images() const { return ctx_.images != nullptr; }

private:
  tools::tool_context ctx_;
};

} // namespace boocode::agent
