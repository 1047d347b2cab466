#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/model/cache_break.hpp"
#include "runtime/model/prices.hpp"
#include "runtime/model/provider.hpp"

namespace boocode::agent {

class turn_io;

/// Measures an agent's prompt cache call by call: what a request holds
/// before the call, what the provider served from its cache after it, and
/// whether the cache broke against the agent's previous call (docs/api.md,
/// "Prompt cache"). The previous call is kept in `memory` between calls
/// and turns; when it is empty, `io` is asked once for the stored one.
class cache_watch {
public:
  cache_watch(model::cache_memory& memory, const model::price_table* prices, turn_io& io)
    : memory_(memory), prices_(prices), io_(io) {}

  /// Before a call of `model` with `req`; `ttl`: how long the provider
  /// keeps an unused prefix.
  void before(std::string model, const model::model_request& req, std::chrono::seconds ttl);

  /// After it, with the call's trace id: its report (null when no reply
  /// came; the agent's previous call stays the one to compare with).
  const model::cache_report* after(const model::model_result& result, std::string_view trace_id);

private:
  model::cache_memory& memory_;
  const model::price_table* prices_;
  turn_io& io_;
  model::call_fingerprint call_;
  std::vector<model::tool_hash> tools_; // the last call's, split and hashed
  uint64_t tools_key_ = 0;
  size_t tools_size_ = SIZE_MAX;
  model::cache_report report_;
  int64_t started_us_ = 0;
  std::chrono::seconds ttl_{0};
};

} // namespace boocode::agent
