#include "runtime/tools/tool_result.hpp"

#include <nlohmann/json.hpp>

namespace boocode::tools {

namespace {

constexpr std::string_view outcome_names[] = {"ok",        "error",  "timeout",
                                              "cancelled", "denied", "interrupted"};

} // namespace

std::string_view to_string(tool_outcome x) {
  return outcome_names[static_cast<size_t>(x)];
}

std::optional<tool_outcome> parse_tool_outcome(std::string_view name) {
  for (size_t i = 0; i < std::size(outcome_names); ++i)
    if (outcome_names[i] == name)
      return static_cast<tool_outcome>(i);
  return std::nullopt;
}

tool_result tool_error(std::string message, bool read_only) {
  tool_result r;
  r.outcome = tool_outcome::error;
  r.text = std::move(message);
  r.read_only = read_only;
  return r;
}

void to_json(nlohmann::json& j, const tool_result& r) {
  j = nlohmann::json{{"outcome", to_string(r.outcome)},
                     {"text", r.text},
                     {"exit_code", nullptr},
                     {"truncated", r.truncated},
                     {"read_only", r.read_only}};
  if (r.exit_code)
    j["exit_code"] = *r.exit_code;
}

void from_json(const nlohmann::json& j, tool_result& r) {
  auto outcome = parse_tool_outcome(j.at("outcome").get<std::string>());
  if (!outcome)
    throw nlohmann::json::other_error::create(501, "unknown tool outcome", &j);
  r.outcome = *outcome;
  r.text = j.at("text").get<std::string>();
  const auto& code = j.at("exit_code");
  r.exit_code = code.is_null() ? std::nullopt : std::optional<int>(code.get<int>());
  r.truncated = j.at("truncated").get<bool>();
  r.read_only = j.at("read_only").get<bool>();
}

} // namespace boocode::tools
