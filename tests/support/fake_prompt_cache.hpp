#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace boocode::test {

/// A provider's prompt cache as the fake model server plays it: requests'
/// bytes are the prompt (4 bytes a token), and a request's cached tokens are
/// the longest prefix, cut at the provider's granularity, that an earlier
/// request sent within the TTL (each use refreshes it). So a byte BooCode
/// changes early in a request shows as a break, as it would at the provider.
class fake_prompt_cache {
public:
  enum class style {
    deepseek, // 64-token units from the start; usage prompt_cache_hit/miss_tokens
    openai,   // nothing under 1,024 tokens, then 128-token steps; prompt_tokens_details
    /// Anthropic's Messages: blocks in the order tools, system, messages; a
    /// prefix is written only at a cache_control breakpoint (1,024 tokens
    /// or more) and read at a breakpoint or up to 19 blocks before it;
    /// usage input_tokens (uncached), cache_read_input_tokens,
    /// cache_creation_input_tokens. The model's name is part of the prefix.
    anthropic,
  };

  explicit fake_prompt_cache(style s, std::chrono::milliseconds ttl = std::chrono::minutes(5))
    : style_(s), ttl_(ttl) {}

  /// The usage object of a reply to a request whose prompt is `prompt`,
  /// with `completion` output tokens, in the style's own fields; the
  /// request's prefixes are cached from now on.
  nlohmann::json usage_for(std::string_view prompt, uint64_t completion);

  /// Drops everything cached (a provider evicting it).
  void evict_all();

  /// Sets the output tokens of a usage object usage_for made.
  void set_completion(nlohmann::json& usage, uint64_t completion) const;

  static constexpr uint64_t bytes_per_token = 4;

private:
  /// Where a cached prefix may end, in tokens, after `at` tokens (0: none).
  uint64_t next_boundary(uint64_t at) const;
  nlohmann::json anthropic_usage(std::string_view body);
  /// Whether prefix `hash` is cached now (refreshing it).
  bool fresh(uint64_t hash, std::chrono::steady_clock::time_point now);

  style style_;
  std::chrono::milliseconds ttl_;
  std::mutex mtx_;
  std::unordered_map<uint64_t, std::chrono::steady_clock::time_point>
    seen_; // prefix hash → last use
};

} // namespace boocode::test
