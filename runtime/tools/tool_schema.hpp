#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace boocode::tools {

// The small part of JSON Schema the tools' parameters use (object, string,
// number, integer, boolean, arrays of those with minItems), and checking a
// model's arguments against it with errors the model can act on.

/// {"type": "string", "description": ...}
nlohmann::json string_param(const char* description);

/// An object schema taking `properties`, requiring `required`, and nothing else.
nlohmann::json object_schema(nlohmann::json properties, nlohmann::json required);

/// Tools as OpenAI's function-calling format lists them: for each of
/// `defs` (with name, description and parameters) {"type": "function",
/// "function": {"name", "description", "parameters"}}, in their order.
template <class Defs>
nlohmann::json function_schemas(const Defs& defs) {
  auto all = nlohmann::json::array();
  for (const auto& d : defs)
    all.push_back(
      {{"type", "function"},
       {"function",
        {{"name", d.name}, {"description", d.description}, {"parameters", d.parameters}}}});
  return all;
}

/// The names of `defs`, in their order.
template <class Defs>
std::vector<std::string> names_of(const Defs& defs) {
  std::vector<std::string> names;
  names.reserve(defs.size());
  for (const auto& d : defs)
    names.emplace_back(d.name);
  return names;
}

/// The arguments of a call to tool `name` as an object: a JSON object, or a
/// string holding one (as chat-completions responses carry them). Throws
/// tool_failure when they are neither.
nlohmann::json argument_object(std::string_view name, const nlohmann::json& arguments);

/// Throws tool_failure naming the first way `args` breaks `parameters`
/// (an unknown or missing argument, or one of the wrong type).
void check_arguments(std::string_view name, const nlohmann::json& parameters,
                     const nlohmann::json& args);

} // namespace boocode::tools
