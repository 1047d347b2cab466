#include "runtime/node_options.hpp"
#include "runtime/option_spec.hpp"
#include "runtime/option_values.hpp"

namespace boocode {

namespace {

std::optional<std::string> set_wire(node_config& c, std::string_view v) {
  if (v == "openai")
    c.wire = model::wire_format::openai;
  else if (v == "anthropic")
    c.wire = model::wire_format::anthropic;
  else
    return "expected openai (chat completions: DeepSeek, OpenAI, vLLM, Ollama, llama.cpp) or "
           "anthropic (the Messages API)";
  return std::nullopt;
}

std::optional<std::string> set_cache_ttl(node_config& c, std::string_view v) {
  if (v == "5m")
    c.anthropic_cache_ttl = std::chrono::minutes(5);
  else if (v == "1h")
    c.anthropic_cache_ttl = std::chrono::hours(1);
  else
    return "expected 5m or 1h (the two lifetimes Anthropic's cache offers)";
  return std::nullopt;
}

std::optional<std::string> set_cache_key(node_config& c, std::string_view v) {
  if (v == "auto")
    c.prompt_cache_key = tristate::automatic;
  else if (v == "on")
    c.prompt_cache_key = tristate::on;
  else if (v == "off")
    c.prompt_cache_key = tristate::off;
  else
    return "expected auto, on or off";
  return std::nullopt;
}

} // namespace

const std::vector<option_spec>& model_options() {
  static const std::vector<option_spec> table = {
    {"model-provider", "BOOCODE_MODEL_PROVIDER", "openai|anthropic",
     "the endpoint's wire protocol: openai (chat completions) or anthropic (Messages API)",
     "openai", &set_wire},
    {"model-max-tokens", "BOOCODE_MODEL_MAX_TOKENS", "N",
     "anthropic: the longest reply, in tokens (the Messages API requires a limit)", "8192",
     [](node_config& c, std::string_view v) {
       return set_count(c.model_max_tokens, v, 1000000, "tokens");
     }},
    {"anthropic-cache-ttl", "BOOCODE_ANTHROPIC_CACHE_TTL", "5m|1h",
     "how long Anthropic keeps the prompt prefix BooCode marks for caching", "5m", &set_cache_ttl},
    {"prompt-cache-key", "BOOCODE_PROMPT_CACHE_KEY", "auto|on|off",
     "send each chat's id as OpenAI's prompt_cache_key (auto: to api.openai.com only)", "auto",
     &set_cache_key},
    {"prompt-cache-ttl", "BOOCODE_PROMPT_CACHE_TTL", "DURATION",
     "how long the endpoint keeps an unused prompt prefix: a cache break after longer idle is "
     "named expiry, before it eviction",
     "5m (anthropic: --anthropic-cache-ttl)",
     [](node_config& c, std::string_view v) -> std::optional<std::string> {
       std::chrono::seconds s{};
       if (auto err = set_seconds(s, v))
         return err;
       c.prompt_cache_ttl = s;
       return std::nullopt;
     }},
    {"model-prices", "BOOCODE_MODEL_PRICES", "IN,CACHED,OUT[,WRITE]",
     "the configured model's prices in USD per million tokens: input, cached input, output, "
     "and cache writes (default: the input price)",
     "(the price table's)",
     [](node_config& c, std::string_view v) { return set_prices(c.prices, v); }},
    {"model-prices-file", "BOOCODE_MODEL_PRICES_FILE", "PATH",
     "a JSON price table (as config/model-prices.json) whose models replace the shipped ones",
     "(none)",
     [](node_config& c, std::string_view v) -> std::optional<std::string> {
       if (v.empty())
         return "must not be empty";
       c.prices_file = std::string(v);
       return std::nullopt;
     }},
  };
  return table;
}

} // namespace boocode
