#include "runtime/step_cache/key.hpp"

#include <array>

#include "runtime/digest.hpp"

namespace boocode::step_cache {

using json = nlohmann::json;

namespace {

constexpr std::array<const char*, 9> fields = {
  "prompt", "schema", "model", "system", "tools", "maxTurns", "effort", "temperature", "workspace"};

json option(const json& options, const char* name) {
  auto it = options.find(name);
  return it == options.end() ? json(nullptr) : *it;
}

} // namespace

json key_spec(const json& options, const step_context& ctx) {
  json spec = json::object();
  spec["prompt"] = option(options, "prompt");
  spec["schema"] = option(options, "schema");
  auto model = option(options, "model");
  spec["model"] = model.is_string() && !model.get<std::string>().empty() ? model : json(ctx.model);
  spec["system"] = sha256_hex(ctx.system_prompt);
  auto tools = option(options, "tools");
  spec["tools"] = tools.is_array() ? tools : json(ctx.tools);
  spec["maxTurns"] = option(options, "maxTurns");
  spec["effort"] = option(options, "effort");
  spec["temperature"] = option(options, "temperature");
  spec["workspace"] = ctx.workspace;
  return spec;
}

std::string spec_digest(const json& spec) {
  return sha256_hex(spec.dump()); // object keys sorted: the same spec, the same text
}

std::string cache_key(const std::string& digest, int occurrence) {
  return sha256_hex(digest + "#" + std::to_string(occurrence));
}

std::string changed_field(const json& before, const json& now) {
  for (const auto* f : fields)
    if (option(before, f) != option(now, f))
      return f;
  return {};
}

} // namespace boocode::step_cache
