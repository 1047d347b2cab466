#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "runtime/tools/tool_context.hpp"
#include "runtime/tools/tool_result.hpp"

namespace boocode::tools {

/// The workspace tools as the model sees them: a JSON array of
/// {"type":"function","function":{"name","description","parameters"}} in the
/// OpenAI function-calling format, always in the order read_file,
/// write_file, edit_file, list_dir, search, run_command and with the same
/// text, so the prompt prefix that holds them stays cacheable.
const nlohmann::json& tool_schemas();

/// The tool names in schema order.
const std::vector<std::string>& tool_names();

/// Whether a tool only reads (read_file, list_dir, search), so a call
/// interrupted by a crash may run again; nothing for an unknown name.
std::optional<bool> is_read_only(std::string_view name);

/// Runs tool `name` with `arguments`: a JSON object, or a string holding one
/// (as chat-completions responses carry them). The arguments are checked
/// against the tool's schema first: a missing or wrongly typed field, an
/// unknown field, malformed JSON or an unknown tool is an error result
/// naming the problem. Blocks the calling thread (run_command up to its
/// timeout); never throws. Not for CAF scheduler threads.
tool_result execute(std::string_view name, const nlohmann::json& arguments,
                    const tool_context& ctx);

} // namespace boocode::tools
