#include "runtime/tools/tool_schema.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "runtime/tools/tool_result.hpp"

namespace boocode::tools {

using json = nlohmann::json;

namespace {

/// The JSON type name a model would understand, for error messages.
std::string type_of(const json& v) {
  return v.is_number() ? "number" : v.type_name();
}

bool has_type(const json& v, const json& schema) {
  auto type = schema.at("type").get<std::string>();
  if (type == "string")
    return v.is_string();
  if (type == "number")
    return v.is_number();
  if (type == "integer")
    return v.is_number_integer();
  if (type == "boolean")
    return v.is_boolean();
  if (type == "object")
    return v.is_object();
  if (type == "array") {
    if (!v.is_array() || v.size() < schema.value("minItems", 0u))
      return false;
    return std::all_of(v.begin(), v.end(),
                       [&](const json& item) { return has_type(item, schema.at("items")); });
  }
  return false;
}

std::string describe_type(const json& schema) {
  auto type = schema.at("type").get<std::string>();
  if (type != "array")
    return (type == "integer" || type == "object" ? "an " : "a ") + type;
  return fmt::format("an array of {}s{}", schema.at("items").at("type").get<std::string>(),
                     schema.value("minItems", 0u) > 0 ? " (not empty)" : "");
}

} // namespace

json string_param(const char* description) {
  return {{"type", "string"}, {"description", description}};
}

json object_schema(json properties, json required) {
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", std::move(required)},
          {"additionalProperties", false}};
}

json argument_object(std::string_view name, const json& arguments) {
  json parsed = arguments;
  if (arguments.is_string()) {
    parsed = json::parse(arguments.get<std::string>(), nullptr, false);
    if (parsed.is_discarded())
      throw tool_failure(fmt::format("{}: the arguments are not valid JSON", name));
  }
  if (!parsed.is_object())
    throw tool_failure(
      fmt::format("{}: the arguments must be a JSON object, not {}", name, type_of(parsed)));
  return parsed;
}

void check_arguments(std::string_view name, const json& parameters, const json& args) {
  const auto& props = parameters.at("properties");
  for (auto& [key, value] : args.items())
    if (!props.contains(key)) {
      std::vector<std::string> known;
      for (auto& [k, v] : props.items())
        known.push_back(k);
      throw tool_failure(
        fmt::format("{}: unknown argument '{}' (it takes {})", name, key, fmt::join(known, ", ")));
    }
  for (auto& key : parameters.at("required"))
    if (!args.contains(key.get<std::string>()))
      throw tool_failure(fmt::format("{}: missing required argument '{}' ({})", name,
                                     key.get<std::string>(),
                                     describe_type(props.at(key.get<std::string>()))));
  for (auto& [key, value] : args.items())
    if (!has_type(value, props.at(key)))
      throw tool_failure(fmt::format("{}: argument '{}' must be {}, not {}", name, key,
                                     describe_type(props.at(key)),
                                     value.is_array() ? "this array" : type_of(value)));
}

} // namespace boocode::tools
