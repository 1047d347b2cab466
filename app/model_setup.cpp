#include "app/model_setup.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "net/model_client.hpp"
#include "net/model_http.hpp"
#include "runtime/model/scripted_provider.hpp"

namespace boocode {

namespace {

/// Whether an endpoint is sent prompt_cache_key: OpenAI's own takes it;
/// other servers may refuse a field they do not know.
bool wants_cache_key(const node_config& cfg, const std::string& base_url) {
  if (cfg.prompt_cache_key != tristate::automatic)
    return cfg.prompt_cache_key == tristate::on;
  return net::is_openai_endpoint(base_url);
}

/// How long the endpoint keeps an unused prefix, as the node judges breaks.
std::chrono::seconds cache_ttl_of(const node_config& cfg) {
  if (cfg.prompt_cache_ttl)
    return *cfg.prompt_cache_ttl;
  return cfg.wire == model::wire_format::anthropic ? cfg.anthropic_cache_ttl
                                                   : std::chrono::minutes(5);
}

/// An endpoint of the node's wire protocol and prompt-cache options.
net::model_endpoint endpoint_of(const node_config& cfg, const std::string& base_url,
                                const std::string& api_key, const std::string& model) {
  net::model_endpoint ep;
  ep.base_url = base_url;
  ep.api_key = api_key;
  ep.model = model;
  ep.wire = cfg.wire;
  ep.max_tokens = cfg.model_max_tokens;
  ep.breakpoint_ttl = cfg.anthropic_cache_ttl;
  ep.cache_ttl = cache_ttl_of(cfg);
  ep.prompt_cache_key = wants_cache_key(cfg, base_url);
  return ep;
}

/// The provider behind `base_url`, by its host.
std::string provider_of_url(const std::string& base_url) {
  auto url = net::parse_url(base_url);
  if (!url)
    return "unknown";
  const auto& host = url->host;
  for (const char* known : {"deepseek", "openai", "anthropic", "openrouter", "mistral", "groq"})
    if (host.find(known) != std::string::npos)
      return known;
  if (url->port == "11434")
    return "ollama";
  return host;
}

} // namespace

std::string provider_name(const node_config& cfg, std::string_view model) {
  if (!cfg.vision_model_base_url.empty() && model == cfg.vision_model && model != cfg.model)
    return provider_of_url(cfg.vision_model_base_url);
  if (!cfg.model_script.empty() || cfg.model_base_url.empty())
    return "script";
  return provider_of_url(cfg.model_base_url);
}

model::price_table price_table_of(const node_config& cfg, const model::model_provider& provider) {
  auto table = model::price_table::shipped();
  if (!cfg.prices_file.empty()) {
    std::ifstream in{cfg.prices_file};
    std::stringstream text;
    text << in.rdbuf();
    if (!in)
      throw std::runtime_error("cannot read --model-prices-file " + cfg.prices_file.string());
    if (auto err = table.add_json(text.str()))
      throw std::runtime_error("--model-prices-file " + cfg.prices_file.string() + ": " + *err);
  }
  if (cfg.prices.known())
    table.set(provider.model_name(), cfg.prices);
  return table;
}

std::shared_ptr<model::model_provider> make_provider(const node_config& cfg, log_set& logs) {
  std::shared_ptr<model::model_provider> p;
  if (!cfg.model_script.empty()) {
    p = std::make_shared<model::scripted_provider>(model::load_model_script(cfg.model_script),
                                                   cfg.model_script.filename().string());
  } else if (!cfg.model_base_url.empty()) {
    p = std::make_shared<net::model_client>(
      endpoint_of(cfg, cfg.model_base_url, cfg.model_api_key, cfg.model), logs.get("model"));
  } else {
    p = std::make_shared<model::scripted_provider>(model::demo_script(), "built-in demo");
    logs.get("node")->warn("no model configured: using the built-in demo script. Set "
                           "--model-base-url, --model-api-key and --model for a real model.");
  }
  logs.get("node")->info("model: {}", p->describe());
  return p;
}

std::shared_ptr<model::model_provider> make_vision_provider(const node_config& cfg, log_set& logs) {
  if (cfg.vision_model_base_url.empty())
    return nullptr;
  auto p = std::make_shared<net::model_client>(
    endpoint_of(cfg, cfg.vision_model_base_url,
                cfg.vision_model_api_key.empty() ? cfg.model_api_key : cfg.vision_model_api_key,
                cfg.vision_model),
    logs.get("model"));
  logs.get("node")->info("vision model (turns with images): {}", p->describe());
  return p;
}

} // namespace boocode
