#include "tests/support/fake_prompt_cache.hpp"

#include <vector>

namespace boocode::test {

uint64_t fake_prompt_cache::next_boundary(uint64_t at) const {
  if (style_ == style::deepseek)
    return at + 64;
  return at < 1024 ? 1024 : at + 128;
}

nlohmann::json fake_prompt_cache::usage_for(std::string_view prompt, uint64_t completion) {
  auto tokens = prompt.size() / bytes_per_token;
  // FNV-1a over the bytes, taken at each boundary.
  std::vector<std::pair<uint64_t, uint64_t>> prefixes; // tokens, hash
  uint64_t h = 14695981039346656037ULL;
  size_t at = 0;
  for (auto end = next_boundary(0); end <= tokens; end = next_boundary(end)) {
    for (; at < end * bytes_per_token; ++at) {
      h ^= static_cast<unsigned char>(prompt[at]);
      h *= 1099511628211ULL;
    }
    prefixes.emplace_back(end, h);
  }
  uint64_t hit = 0;
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard guard{mtx_};
    for (const auto& [end, hash] : prefixes) {
      auto found = seen_.find(hash);
      if (found == seen_.end() || now - found->second > ttl_)
        break;
      hit = end;
    }
    for (const auto& [end, hash] : prefixes)
      seen_[hash] = now;
  }
  if (style_ == style::deepseek)
    return {{"prompt_tokens", tokens},
            {"prompt_cache_hit_tokens", hit},
            {"prompt_cache_miss_tokens", tokens - hit},
            {"completion_tokens", completion},
            {"total_tokens", tokens + completion}};
  return {{"prompt_tokens", tokens},
          {"prompt_tokens_details", {{"cached_tokens", hit}}},
          {"completion_tokens", completion},
          {"total_tokens", tokens + completion}};
}

void fake_prompt_cache::evict_all() {
  std::lock_guard guard{mtx_};
  seen_.clear();
}

} // namespace boocode::test
