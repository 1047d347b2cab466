#include "runtime/protocol/prompt_cache.hpp"

#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "runtime/protocol/json_writer.hpp"

namespace boocode::protocol {

namespace {

std::string hex16(uint64_t v) {
  return fmt::format("{:016x}", v);
}

std::optional<uint64_t> from_hex(std::string_view text) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 16);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
    return std::nullopt;
  return v;
}

std::string names_json(const std::vector<std::string>& names) {
  std::string out = "[";
  for (const auto& n : names) {
    if (out.size() > 1)
      out += ',';
    put_string(out, n);
  }
  return out + "]";
}

std::string segment_json(const model::cache_segment& s) {
  object_writer w{160};
  w.str("kind", model::to_string(s.kind));
  if (s.kind == model::segment_kind::tool)
    w.str("name", s.name);
  if (s.kind == model::segment_kind::history || s.kind == model::segment_kind::fresh)
    w.num("messages", s.messages);
  return w.num("bytes", s.bytes)
    .num("tokens_est", s.tokens)
    .str("hash", hex16(s.hash))
    .num("cached_tokens_est", s.cached_tokens)
    .done();
}

std::string break_json(const model::cache_break& b) {
  std::string causes = "[";
  for (auto c : b.causes) {
    if (causes.size() > 1)
      causes += ',';
    put_string(causes, model::to_string(c));
  }
  causes += ']';
  object_writer w{320};
  w.str("cause", model::to_string(b.causes.front()))
    .raw("causes", causes)
    .num("previous_cached_tokens", b.previous_cached)
    .num("cached_tokens", b.cached)
    .str_or_null("previous_call", b.previous_call)
    .str_or_null("previous_model", b.previous_model)
    .raw("tools_added", names_json(b.tools_added))
    .raw("tools_removed", names_json(b.tools_removed))
    .raw("tools_changed", names_json(b.tools_changed))
    .boolean("tools_reordered", b.tools_reordered)
    .num_or_null("from_message", b.from_message)
    .str_or_null("forked_from", b.forked_from)
    .num("idle_s", std::round(b.idle_s * 10) / 10);
  return w.done();
}

} // namespace

std::string prompt_cache_json(const model::cache_report& r) {
  const auto& shape = r.shape;
  std::string segments = "[";
  for (const auto& s : shape.segments) {
    if (segments.size() > 1)
      segments += ',';
    segments += segment_json(s);
  }
  segments += ']';
  object_writer w{segments.size() + 512};
  w.raw("segments", segments)
    .num("stop", shape.stop)
    .num("prompt_tokens", shape.prompt_tokens)
    .num("cached_tokens", shape.cached_tokens)
    .num("cache_write_tokens", shape.cache_write_tokens)
    .num("hit_rate", std::round(shape.hit_rate() * 10000) / 10000)
    .num("cost_usd", r.cost_usd)
    .num("saved_usd", r.saved_usd);
  if (r.broke)
    w.raw("break", break_json(*r.broke));
  else
    w.null("break");
  return w.done();
}

std::string message_hashes_text(const std::vector<uint32_t>& hashes) {
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string out(hashes.size() * 8, '0');
  for (size_t i = 0; i < hashes.size(); ++i)
    for (size_t d = 0; d < 8; ++d)
      out[i * 8 + d] = digits[(hashes[i] >> (28 - 4 * d)) & 0xf];
  return out;
}

std::vector<uint32_t> message_hashes_from(std::string_view text) {
  std::vector<uint32_t> out;
  out.reserve(text.size() / 8);
  for (size_t at = 0; at + 8 <= text.size(); at += 8) {
    auto v = from_hex(text.substr(at, 8));
    if (!v)
      return {};
    out.push_back(static_cast<uint32_t>(*v));
  }
  return out;
}

std::optional<model::prior_call> prior_call_from(std::string model,
                                                 const nlohmann::json& prompt_cache,
                                                 std::string_view message_hashes,
                                                 int64_t finished_us, std::string trace_id) {
  if (!prompt_cache.is_object() || !prompt_cache.contains("segments") ||
      !prompt_cache["segments"].is_array())
    return std::nullopt;
  model::prior_call p;
  p.fingerprint.model = std::move(model);
  p.cached_tokens = prompt_cache.value("cached_tokens", uint64_t{0});
  p.finished_us = finished_us;
  p.trace_id = std::move(trace_id);
  p.fingerprint.system = model::hash_bytes({}); // a call without a system prompt hashed ""
  for (const auto& s : prompt_cache["segments"]) {
    if (!s.is_object())
      return std::nullopt;
    auto kind = s.value("kind", std::string{});
    auto hash = from_hex(s.value("hash", std::string{}));
    if (!hash)
      return std::nullopt;
    if (kind == "tool")
      p.fingerprint.tools.push_back({s.value("name", std::string{}), *hash});
    else if (kind == "system")
      p.fingerprint.system = *hash;
  }
  p.fingerprint.messages = message_hashes_from(message_hashes);
  return p;
}

} // namespace boocode::protocol
