#include "runtime/model/cache_shape.hpp"

#include <algorithm>
#include <optional>

#include <xxhash.h>

#include "runtime/model/conversation.hpp"

namespace boocode::model {

namespace {

/// The string that starts at `text[at]` (just past its opening quote).
std::string_view string_at(std::string_view text, size_t at) {
  for (size_t i = at; i < text.size(); ++i) {
    if (text[i] == '\\')
      ++i;
    else if (text[i] == '"')
      return text.substr(at, i - at);
  }
  return {};
}

/// A tool schema's function name: the first string-valued "name" member
/// (the function object's keys are sorted: description, name, parameters).
std::string_view tool_name(std::string_view json) {
  constexpr std::string_view key = R"("name":")";
  auto at = json.find(key);
  return at == std::string_view::npos ? std::string_view{} : string_at(json, at + key.size());
}

/// A segment of `bytes`; its hash is theirs unless given.
cache_segment segment(segment_kind kind, std::string_view bytes, std::string name = {},
                      std::optional<uint64_t> hash = std::nullopt) {
  cache_segment s;
  s.kind = kind;
  s.name = std::move(name);
  s.bytes = bytes.size();
  s.tokens = estimate_tokens(bytes.size());
  s.hash = hash ? *hash : hash_bytes(bytes);
  return s;
}

} // namespace

uint64_t hash_bytes(std::string_view bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

uint64_t chain_hash(uint64_t previous, std::string_view bytes) {
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), previous);
}

std::string_view to_string(segment_kind k) {
  switch (k) {
    case segment_kind::tool:
      return "tool";
    case segment_kind::system:
      return "system";
    case segment_kind::history:
      return "history";
    case segment_kind::fresh:
      break;
  }
  return "new";
}

double cache_shape::hit_rate() const {
  return prompt_tokens == 0
           ? 0.0
           : static_cast<double>(cached_tokens) / static_cast<double>(prompt_tokens);
}

std::vector<tool_schema_part> split_tools(std::string_view tools_json) {
  std::vector<tool_schema_part> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < tools_json.size(); ++i) {
    char c = tools_json[i];
    if (c == '"') { // skip the string: to its closing quote, past escapes
      for (i = tools_json.find_first_of("\\\"", i + 1); i != std::string_view::npos;
           i = tools_json.find_first_of("\\\"", i + 2))
        if (tools_json[i] == '"')
          break;
      if (i == std::string_view::npos)
        break;
    } else if (c == '{' || c == '[') {
      if (++depth == 2)
        start = i;
    } else if (c == '}' || c == ']') {
      if (depth-- == 2) {
        auto json = tools_json.substr(start, i + 1 - start);
        out.push_back({tool_name(json), json});
      }
    }
  }
  return out;
}

std::vector<tool_hash> hash_tools(std::string_view tools_json) {
  auto parts = split_tools(tools_json);
  std::vector<tool_hash> out;
  out.reserve(parts.size());
  for (const auto& t : parts)
    out.push_back({std::string(t.name), t.json.size(), hash_bytes(t.json)});
  return out;
}

call_fingerprint fingerprint_of(std::string model, const model_request& req,
                                const std::vector<tool_hash>& tools) {
  call_fingerprint f;
  f.model = std::move(model);
  f.system = hash_bytes(req.system);
  f.tools.reserve(tools.size());
  for (const auto& t : tools)
    f.tools.push_back({t.name, t.hash});
  const auto& conv = req.messages;
  f.messages.reserve(conv.size());
  for (size_t i = 0; i < conv.size(); ++i)
    f.messages.push_back(static_cast<uint32_t>(conv.prefix_hash(i)));
  return f;
}

call_fingerprint fingerprint_of(std::string model, const model_request& req) {
  return fingerprint_of(std::move(model), req, hash_tools(req.tools_json));
}

cache_shape shape_of(const model_request& req, size_t history,
                     const std::vector<tool_hash>& tools) {
  cache_shape shape;
  shape.segments.reserve(tools.size() + 3);
  for (const auto& t : tools) {
    auto& s = shape.segments.emplace_back();
    s.kind = segment_kind::tool;
    s.name = t.name;
    s.bytes = t.bytes;
    s.tokens = estimate_tokens(t.bytes);
    s.hash = t.hash;
  }
  if (!req.system.empty())
    shape.segments.push_back(segment(segment_kind::system, req.system));
  const auto& conv = req.messages;
  std::string_view items = conv.json_items();
  history = std::min(history, conv.size());
  size_t cut = history == 0 ? 0 : conv.message_end(history - 1);
  if (history > 0) {
    // The conversation hashed it message by message as they joined.
    auto& h = shape.segments.emplace_back(
      segment(segment_kind::history, items.substr(0, cut), {}, conv.prefix_hash(history - 1)));
    h.messages = history;
  }
  auto& fresh = shape.segments.emplace_back(segment(segment_kind::fresh, items.substr(cut)));
  fresh.messages = conv.size() - history;
  return shape;
}

cache_shape shape_of(const model_request& req, size_t history) {
  return shape_of(req, history, hash_tools(req.tools_json));
}

void place_cached(cache_shape& shape, const token_usage& u) {
  shape.prompt_tokens = u.prompt;
  shape.cached_tokens = u.cache_hit;
  shape.cache_write_tokens = u.cache_write;
  uint64_t bytes = 0;
  for (const auto& s : shape.segments)
    bytes += s.bytes;
  // The provider counts tokens; the segments are bytes: the cached share of
  // the prompt, applied to the bytes.
  auto cached_bytes =
    u.prompt == 0 ? 0
                  : static_cast<uint64_t>(static_cast<double>(bytes) *
                                          static_cast<double>(std::min(u.cache_hit, u.prompt)) /
                                          static_cast<double>(u.prompt));
  shape.stop = shape.segments.size();
  uint64_t at = 0;
  for (size_t i = 0; i < shape.segments.size(); ++i) {
    auto& s = shape.segments[i];
    auto covered = cached_bytes > at ? std::min(cached_bytes - at, s.bytes) : 0;
    s.cached_tokens = s.bytes == 0 ? 0 : s.tokens * covered / s.bytes;
    if (covered < s.bytes && shape.stop == shape.segments.size())
      shape.stop = i;
    at += s.bytes;
  }
}

} // namespace boocode::model
