#include "runtime/tools/tool_result.hpp"

#include <nlohmann/json.hpp>

namespace boocode::tools {

tool_result tool_error(std::string message, bool read_only) {
  tool_result r;
  r.outcome = tool_outcome::error;
  r.text = std::move(message);
  r.read_only = read_only;
  return r;
}

void to_json(nlohmann::json& j, const tool_result& r) {
  j = nlohmann::json{{"outcome", protocol::to_string(r.outcome)},
                     {"text", r.text},
                     {"exit_code", nullptr},
                     {"truncated", r.truncated},
                     {"read_only", r.read_only}};
  if (r.exit_code)
    j["exit_code"] = *r.exit_code;
}

void from_json(const nlohmann::json& j, tool_result& r) {
  auto name = j.at("outcome").get<std::string>();
  auto outcome = protocol::from_name<tool_outcome>(name);
  if (!outcome)
    throw nlohmann::json::other_error::create(501, protocol::unknown_text<tool_outcome>(name), &j);
  r.outcome = *outcome;
  r.text = j.at("text").get<std::string>();
  const auto& code = j.at("exit_code");
  r.exit_code = code.is_null() ? std::nullopt : std::optional<int>(code.get<int>());
  r.truncated = j.at("truncated").get<bool>();
  r.read_only = j.at("read_only").get<bool>();
}

} // namespace boocode::tools
