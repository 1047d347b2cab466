#include "tests/support/fake_prompt_cache.hpp"

#include <vector>

namespace boocode::test {

uint64_t fake_prompt_cache::next_boundary(uint64_t at) const {
  if (style_ == style::deepseek)
    return at + 64;
  return at < 1024 ? 1024 : at + 128;
}

namespace {

uint64_t fnv(uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

constexpr uint64_t fnv_start = 14695981039346656037ULL;

/// A block as the cache sees it: without its cache_control.
std::string canonical(nlohmann::json block) {
  if (block.is_object())
    block.erase("cache_control");
  return block.dump();
}

} // namespace

bool fake_prompt_cache::fresh(uint64_t hash, std::chrono::steady_clock::time_point now) {
  auto found = seen_.find(hash);
  if (found == seen_.end() || now - found->second > ttl_)
    return false;
  found->second = now;
  return true;
}

nlohmann::json fake_prompt_cache::anthropic_usage(std::string_view text) {
  auto body = nlohmann::json::parse(text, nullptr, false);
  struct at {
    uint64_t tokens;
    uint64_t hash;
    bool breakpoint;
  };
  std::vector<at> blocks;
  uint64_t bytes = 0;
  uint64_t h = fnv(fnv_start, body.value("model", ""));
  auto add = [&](const nlohmann::json& b, std::string_view role) {
    auto c = std::string(role) + canonical(b);
    bytes += c.size();
    h = fnv(h, c);
    blocks.push_back({bytes / bytes_per_token, h, b.is_object() && b.contains("cache_control")});
  };
  for (const auto& t : body.value("tools", nlohmann::json::array()))
    add(t, "");
  if (auto sys = body.find("system"); sys != body.end())
    for (const auto& b : sys->is_array() ? *sys : nlohmann::json::array({*sys}))
      add(b, "system");
  for (const auto& m : body.value("messages", nlohmann::json::array())) {
    const auto& content = m["content"];
    std::string role = m.value("role", "");
    for (const auto& b : content.is_array() ? content : nlohmann::json::array({content}))
      add(b, std::exchange(role, ""));
  }
  uint64_t total = bytes / bytes_per_token;
  uint64_t read = 0;
  uint64_t last_breakpoint = 0;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard guard{mtx_};
  for (size_t b = 0; b < blocks.size(); ++b) {
    if (!blocks[b].breakpoint)
      continue;
    last_breakpoint = blocks[b].tokens;
    for (size_t j = b + 1; j-- > (b >= 19 ? b - 19 : 0);)
      if (fresh(blocks[j].hash, now)) {
        read = std::max(read, blocks[j].tokens);
        break;
      }
  }
  for (const auto& b : blocks)
    if (b.breakpoint && b.tokens >= 1024)
      seen_[b.hash] = now;
  uint64_t written = last_breakpoint >= 1024 && last_breakpoint > read ? last_breakpoint - read : 0;
  return {{"input_tokens", total - read - written},
          {"cache_read_input_tokens", read},
          {"cache_creation_input_tokens", written},
          {"output_tokens", 0}};
}

void fake_prompt_cache::set_completion(nlohmann::json& usage, uint64_t completion) const {
  if (style_ == style::anthropic) {
    usage["output_tokens"] = completion;
    return;
  }
  usage["completion_tokens"] = completion;
  usage["total_tokens"] = usage["prompt_tokens"].get<uint64_t>() + completion;
}

nlohmann::json fake_prompt_cache::usage_for(std::string_view prompt, uint64_t completion) {
  if (style_ == style::anthropic) {
    auto u = anthropic_usage(prompt);
    set_completion(u, completion);
    return u;
  }
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
