#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/model/usage.hpp"

// A model call's prompt-cache shape: its request cut into the segments a
// provider's prefix cache walks through (docs/api.md, "Prompt cache"), and
// which of them the cached prefix covered.

namespace boocode::model {

struct model_request;

/// A 64-bit hash of `bytes` (XXH3), the same on every node and build.
uint64_t hash_bytes(std::string_view bytes);
/// The hash of the bytes hashed into `previous` followed by `bytes`.
uint64_t chain_hash(uint64_t previous, std::string_view bytes);

/// A part of the request, in the order the request carries them: each
/// tool's schema, the system prompt, the conversation up to the agent's
/// previous call, and what this call adds.
enum class segment_kind { tool, system, history, fresh };

std::string_view to_string(segment_kind k); // "tool", "system", "history", "new"

struct cache_segment {
  segment_kind kind = segment_kind::tool;
  std::string name; // a tool's name
  uint64_t bytes = 0;
  uint64_t tokens = 0; // an estimate (bytes / 4)
  uint64_t hash = 0;
  size_t messages = 0; // history and new: how many messages
  /// The estimated part of the segment the provider served from its cache.
  uint64_t cached_tokens = 0;
  friend bool operator==(const cache_segment&, const cache_segment&) = default;
};

struct cache_shape {
  std::vector<cache_segment> segments;
  /// The segment where the cached prefix stopped (segments.size(): it
  /// covered them all; 0 with nothing cached).
  size_t stop = 0;
  /// The provider's counts for the call.
  uint64_t prompt_tokens = 0;
  uint64_t cached_tokens = 0;
  uint64_t cache_write_tokens = 0;
  /// cached / prompt (0 with no prompt).
  double hit_rate() const;
};

/// A tool schema in a tools array's text.
struct tool_schema_part {
  std::string_view name;
  std::string_view json;
};

/// The elements of a JSON array's text (`[{...},{...}]`), each with its
/// function's name, without parsing them; nothing for "" or "[]".
std::vector<tool_schema_part> split_tools(std::string_view tools_json);

/// What one call sent, to tell what changed between two calls of an agent.
struct call_fingerprint {
  std::string model;
  uint64_t system = 0;
  struct tool {
    std::string name;
    uint64_t hash = 0;
    friend bool operator==(const tool&, const tool&) = default;
  };
  std::vector<tool> tools; // in the request's order
  /// The conversation's prefix hash after each message sent (its low 32
  /// bits: what the trace stores).
  std::vector<uint32_t> messages;
  friend bool operator==(const call_fingerprint&, const call_fingerprint&) = default;
};

/// A tool's schema as the cache sees it.
struct tool_hash {
  std::string name;
  uint64_t bytes = 0;
  uint64_t hash = 0;
};

/// The tools of a tools array's text, each hashed.
std::vector<tool_hash> hash_tools(std::string_view tools_json);

/// `req`'s fingerprint, its model being `model` and its tools `tools`
/// (hash_tools of its tools_json: an agent's stay the same call to call).
call_fingerprint fingerprint_of(std::string model, const model_request& req,
                                const std::vector<tool_hash>& tools);
call_fingerprint fingerprint_of(std::string model, const model_request& req);

/// `req` in segments, the first `history` messages of its conversation
/// being those the agent's previous call sent too (no call yet: 0).
cache_shape shape_of(const model_request& req, size_t history, const std::vector<tool_hash>& tools);
cache_shape shape_of(const model_request& req, size_t history);

/// Spreads the call's cached tokens (`u.cache_hit`) over the segments in
/// order, scaled from the provider's prompt count to the request's bytes,
/// and sets where the cached prefix stopped.
void place_cached(cache_shape& shape, const token_usage& u);

} // namespace boocode::model
