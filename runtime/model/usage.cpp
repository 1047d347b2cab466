#include "runtime/model/usage.hpp"

#include <nlohmann/json.hpp>

namespace boocode::model {

namespace {

uint64_t field(const nlohmann::json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_number())
    return 0;
  if (it->is_number_float())
    return it->get<double>() > 0 ? static_cast<uint64_t>(it->get<double>()) : 0;
  if (it->is_number_integer() && it->get<int64_t>() < 0)
    return 0;
  return it->get<uint64_t>();
}

uint64_t nested(const nlohmann::json& obj, const char* outer, const char* inner) {
  auto it = obj.find(outer);
  return it != obj.end() && it->is_object() ? field(*it, inner) : 0;
}

} // namespace

token_usage& token_usage::operator+=(const token_usage& other) {
  prompt += other.prompt;
  cache_hit += other.cache_hit;
  cache_miss += other.cache_miss;
  cache_write += other.cache_write;
  completion += other.completion;
  reasoning += other.reasoning;
  reported = reported || other.reported;
  return *this;
}

token_usage normalise_usage(const nlohmann::json& usage) {
  token_usage u;
  if (!usage.is_object())
    return u;
  u.reported = true;
  if (usage.contains("input_tokens") && !usage.contains("prompt_tokens")) {
    // Anthropic: input_tokens counts only the uncached part.
    auto input = field(usage, "input_tokens");
    u.cache_hit = field(usage, "cache_read_input_tokens");
    u.cache_write = field(usage, "cache_creation_input_tokens");
    u.prompt = input + u.cache_hit + u.cache_write;
    u.cache_miss = u.prompt - u.cache_hit;
    u.completion = field(usage, "output_tokens");
    return u;
  }
  u.prompt = field(usage, "prompt_tokens");
  u.completion = field(usage, "completion_tokens");
  u.reasoning = nested(usage, "completion_tokens_details", "reasoning_tokens");
  if (usage.contains("prompt_cache_hit_tokens") || usage.contains("prompt_cache_miss_tokens")) {
    // DeepSeek: hit + miss = prompt.
    u.cache_hit = field(usage, "prompt_cache_hit_tokens");
    u.cache_miss = field(usage, "prompt_cache_miss_tokens");
    if (u.prompt == 0)
      u.prompt = u.cache_hit + u.cache_miss;
  } else {
    // OpenAI: cached_tokens is part of prompt_tokens.
    u.cache_hit = std::min(nested(usage, "prompt_tokens_details", "cached_tokens"), u.prompt);
    u.cache_miss = u.prompt - u.cache_hit;
  }
  return u;
}

} // namespace boocode::model
