#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/model/cache_shape.hpp"

// When an agent's prompt cache breaks, and why (docs/api.md, "Prompt cache").

namespace boocode::model {

/// The agent's previous model call, as far as a break needs it.
struct prior_call {
  call_fingerprint fingerprint;
  uint64_t cached_tokens = 0;
  int64_t finished_us = 0; // microseconds since the Unix epoch
  std::string trace_id;
  /// Another chat's id when the call was that chat's: this chat is its fork.
  std::string chat_id;
};

/// Why the cached prefix fell, in the order they are looked for; the first
/// that holds is the one named.
enum class break_cause {
  model_changed,
  system_changed,
  tools_changed,
  history_rewritten,
  expired, // nothing changed and the agent was idle at least the provider's cache TTL
  evicted, // nothing changed, within the TTL: the provider dropped it early
};

std::string_view to_string(break_cause c);

struct cache_break {
  std::vector<break_cause> causes; // at least one; causes.front() is named
  uint64_t previous_cached = 0;
  uint64_t cached = 0;
  std::string previous_call; // its trace id
  std::string previous_model;
  std::vector<std::string> tools_added, tools_removed, tools_changed;
  bool tools_reordered = false;
  /// history_rewritten: the first message that differs (0-based).
  std::optional<size_t> from_message;
  /// The previous call was another chat's: this chat is its fork.
  std::string forked_from;
  /// Seconds between the previous call's end and this call's start.
  double idle_s = 0;
};

/// Whether cached tokens falling from `previous` to `now` is a break: by at
/// least 2,000 tokens to under 95 % (a long prompt's rule), or by at least
/// 128 tokens to under 80 % (so short prompts count too).
bool is_break(uint64_t previous, uint64_t now);

/// The break a call (fingerprint `now`, `cached` tokens from the cache,
/// started at `started_us`) makes against the agent's `prev` call, if it is one.
/// `ttl`: how long the provider keeps an unused prefix.
std::optional<cache_break> find_break(const prior_call& prev, const call_fingerprint& now,
                                      uint64_t cached, int64_t started_us,
                                      std::chrono::seconds ttl);

/// What the trace keeps of a model call's prompt cache.
struct cache_report {
  cache_shape shape;
  std::optional<cache_break> broke;
  double cost_usd = 0;
  /// What its cached tokens would have cost more at the input price.
  double saved_usd = 0;
  /// The fingerprint's message hashes: stored with the trace (to find a
  /// fork's or a restarted chat's previous call), never sent live.
  std::vector<uint32_t> message_hashes;
};

/// Remembers an agent's last model call between its calls (and turns).
struct cache_memory {
  std::optional<prior_call> last;
  /// Looked up once (the trace store) when `last` is empty: after a restart
  /// or passivation, and for a fork's first call.
  bool looked_up = false;
};

} // namespace boocode::model
