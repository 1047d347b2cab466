#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include <nlohmann/json_fwd.hpp>

namespace boocode::model {

/// Token counts of one model call, normalised across providers:
///   prompt      = every input token, cached or not
///   cache_hit   = input tokens served from the provider's prompt cache
///   cache_miss  = prompt - cache_hit
///   cache_write = input tokens written to the cache (Anthropic only; part of prompt)
///   completion  = output tokens, reasoning included
///   reasoning   = the part of completion spent on hidden reasoning
struct token_usage {
  uint64_t prompt = 0;
  uint64_t cache_hit = 0;
  uint64_t cache_miss = 0;
  uint64_t cache_write = 0;
  uint64_t completion = 0;
  uint64_t reasoning = 0;
  /// False when the provider reported no usage at all.
  bool reported = false;

  token_usage& operator+=(const token_usage& other);
  friend bool operator==(const token_usage&, const token_usage&) = default;
};

/// What a model's tokens cost, in USD per million tokens (config/model-prices.json,
/// --model-prices-file, --model-prices); all zero: not known, and costs show as 0.
struct model_prices {
  double input = 0;       // prompt tokens neither served from nor written to the cache
  double cached = 0;      // prompt tokens served from the cache
  double output = 0;      // completion tokens, reasoning included
  double cache_write = 0; // prompt tokens written to the cache (0: the input price)

  bool known() const { return input > 0 || cached > 0 || output > 0 || cache_write > 0; }

  /// What `u` cost, in USD.
  double cost(const token_usage& u) const {
    auto miss = u.prompt > u.cache_hit ? u.prompt - u.cache_hit : 0;
    auto written = std::min(u.cache_write, miss);
    return (static_cast<double>(miss - written) * input +
            static_cast<double>(u.cache_hit) * cached +
            static_cast<double>(written) * (cache_write > 0 ? cache_write : input) +
            static_cast<double>(u.completion) * output) /
           1e6;
  }
};

/// Reads a provider's `usage` object:
/// - DeepSeek: prompt_cache_hit_tokens + prompt_cache_miss_tokens = prompt;
/// - OpenAI (and vLLM, Ollama, llama.cpp): prompt_tokens_details.cached_tokens is part of
///   prompt_tokens; completion_tokens_details.reasoning_tokens is part of completion_tokens;
/// - Anthropic: input_tokens excludes cache_read_input_tokens and
///   cache_creation_input_tokens, so prompt = input + read + creation.
/// Missing or non-numeric fields count as zero; a non-object gives reported = false.
token_usage normalise_usage(const nlohmann::json& usage);

/// A rough token count for `bytes` of text (4 bytes a token), for providers
/// that report none and for what a tool's output adds to the conversation.
inline uint64_t estimate_tokens(size_t bytes) {
  return (bytes + 3) / 4;
}

} // namespace boocode::model
