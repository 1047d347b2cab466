#include "runtime/workflow/structured_answer.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace boocode::workflow {
namespace {

using json = nlohmann::json;

bool has_type(const json& value, const std::string& type) {
  if (type == "object")
    return value.is_object();
  if (type == "array")
    return value.is_array();
  if (type == "string")
    return value.is_string();
  if (type == "integer")
    return value.is_number_integer() ||
           (value.is_number_float() && std::floor(value.get<double>()) == value.get<double>());
  if (type == "number")
    return value.is_number();
  if (type == "boolean")
    return value.is_boolean();
  if (type == "null")
    return value.is_null();
  return true; // a type we do not know constrains nothing
}

std::optional<std::string> first_mismatch(const json& schema, const json& value,
                                          const std::string& at, int depth) {
  if (!schema.is_object() || depth > 64)
    return std::nullopt;
  auto fail = [&](const std::string& why) { return std::optional<std::string>(at + ": " + why); };
  if (auto t = schema.find("type"); t != schema.end()) {
    bool ok = false;
    if (t->is_string())
      ok = has_type(value, t->get<std::string>());
    else if (t->is_array())
      for (const auto& one : *t)
        ok = ok || (one.is_string() && has_type(value, one.get<std::string>()));
    else
      ok = true;
    if (!ok)
      return fail(fmt::format("expected {} but found {}", t->dump(), value.type_name()));
  }
  if (auto e = schema.find("enum"); e != schema.end() && e->is_array()) {
    if (std::find(e->begin(), e->end(), value) == e->end())
      return fail("expected one of " + e->dump());
  }
  if (auto c = schema.find("const"); c != schema.end() && *c != value)
    return fail("expected " + c->dump());
  if (auto any = schema.find("anyOf"); any != schema.end() && any->is_array()) {
    bool ok = false;
    for (const auto& option : *any)
      ok = ok || !first_mismatch(option, value, at, depth + 1);
    if (!ok)
      return fail("matches none of anyOf");
  }
  auto bound = [&](const char* key) -> std::optional<double> {
    auto it = schema.find(key);
    return it != schema.end() && it->is_number() ? std::optional(it->get<double>()) : std::nullopt;
  };
  if (value.is_string()) {
    const auto n = static_cast<double>(value.get<std::string>().size());
    if (auto lo = bound("minLength"); lo && n < *lo)
      return fail(fmt::format("shorter than {} characters", *lo));
    if (auto hi = bound("maxLength"); hi && n > *hi)
      return fail(fmt::format("longer than {} characters", *hi));
  }
  if (value.is_number()) {
    const auto n = value.get<double>();
    if (auto lo = bound("minimum"); lo && n < *lo)
      return fail(fmt::format("below the minimum {}", *lo));
    if (auto hi = bound("maximum"); hi && n > *hi)
      return fail(fmt::format("above the maximum {}", *hi));
  }
  if (value.is_array()) {
    const auto n = static_cast<double>(value.size());
    if (auto lo = bound("minItems"); lo && n < *lo)
      return fail(fmt::format("fewer than {} items", *lo));
    if (auto hi = bound("maxItems"); hi && n > *hi)
      return fail(fmt::format("more than {} items", *hi));
    if (auto items = schema.find("items"); items != schema.end() && items->is_object())
      for (std::size_t i = 0; i < value.size(); ++i)
        if (auto m = first_mismatch(*items, value[i], fmt::format("{}[{}]", at, i), depth + 1))
          return m;
  }
  if (value.is_object()) {
    if (auto req = schema.find("required"); req != schema.end() && req->is_array())
      for (const auto& key : *req)
        if (key.is_string() && !value.contains(key.get<std::string>()))
          return fail(fmt::format("the required field \"{}\" is missing", key.get<std::string>()));
    const auto props = schema.find("properties");
    const auto extra = schema.find("additionalProperties");
    for (const auto& [key, v] : value.items()) {
      const auto where = fmt::format("{}.{}", at, key);
      const bool known = props != schema.end() && props->is_object() && props->contains(key);
      if (known) {
        if (auto m = first_mismatch(props->at(key), v, where, depth + 1))
          return m;
      } else if (extra != schema.end()) {
        if (extra->is_boolean() && !extra->get<bool>())
          return fail(fmt::format("the field \"{}\" is not allowed", key));
        if (auto m = first_mismatch(*extra, v, where, depth + 1))
          return m;
      }
    }
  }
  return std::nullopt;
}

std::optional<json> parse_object(std::string_view text) {
  auto parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object())
    return std::nullopt;
  return parsed;
}

} // namespace

std::optional<std::string> schema_problem(const json& schema) {
  if (!schema.is_object())
    return "a schema must be a JSON Schema object";
  auto t = schema.find("type");
  if (t == schema.end() || *t != "object")
    return "a schema's root must be an object schema ({ type: 'object', properties: … })";
  return std::nullopt;
}

std::optional<json> extract_object(std::string_view answer) {
  if (auto whole = parse_object(answer))
    return whole;
  for (auto fence = answer.find("```"); fence != std::string_view::npos;
       fence = answer.find("```", fence + 3)) {
    const auto body = answer.find('\n', fence);
    const auto close = body == std::string_view::npos ? body : answer.find("```", body);
    if (close == std::string_view::npos)
      break;
    if (auto inside = parse_object(answer.substr(body + 1, close - body - 1)))
      return inside;
    fence = close;
  }
  const auto open = answer.find('{');
  const auto end = answer.rfind('}');
  if (open != std::string_view::npos && end != std::string_view::npos && end > open)
    return parse_object(answer.substr(open, end - open + 1));
  return std::nullopt;
}

std::optional<std::string> schema_mismatch(const json& schema, const json& value) {
  return first_mismatch(schema, value, "$", 0);
}

std::optional<std::string> answer_mismatch(const std::string& schema_text,
                                           std::string_view answer) {
  auto schema = json::parse(schema_text, nullptr, false);
  if (schema.is_discarded())
    return std::nullopt; // nothing to hold it to
  auto object = extract_object(answer);
  if (!object)
    return "the answer holds no JSON object";
  return schema_mismatch(schema, *object);
}

std::string schema_instructions(const json& schema) {
  return "\n\nAnswer with one JSON object that matches this JSON Schema, and nothing else:\n" +
         schema.dump(2);
}

std::string retry_prompt(const std::string& why, const json& schema) {
  return fmt::format("Your answer did not match the schema ({}). Answer again with one JSON "
                     "object that matches it, and nothing else:\n{}",
                     why, schema.dump(2));
}

} // namespace boocode::workflow
