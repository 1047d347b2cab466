#include "runtime/model/cache_break.hpp"

#include <algorithm>

namespace boocode::model {

namespace {

bool has_tool(const std::vector<call_fingerprint::tool>& tools, const std::string& name) {
  return std::any_of(tools.begin(), tools.end(), [&](const auto& t) { return t.name == name; });
}

/// Fills in what changed in the tools; whether anything did.
bool compare_tools(const call_fingerprint& before, const call_fingerprint& after, cache_break& b) {
  if (before.tools == after.tools)
    return false;
  std::vector<std::string> kept_before, kept_after;
  for (const auto& t : before.tools)
    if (!has_tool(after.tools, t.name))
      b.tools_removed.push_back(t.name);
    else
      kept_before.push_back(t.name);
  for (const auto& t : after.tools) {
    if (!has_tool(before.tools, t.name)) {
      b.tools_added.push_back(t.name);
      continue;
    }
    kept_after.push_back(t.name);
    auto old = std::find_if(before.tools.begin(), before.tools.end(),
                            [&](const auto& o) { return o.name == t.name; });
    if (old->hash != t.hash)
      b.tools_changed.push_back(t.name);
  }
  b.tools_reordered = kept_before != kept_after;
  return true;
}

/// The first message whose prefix differs, if any does.
std::optional<size_t> first_difference(const std::vector<uint32_t>& before,
                                       const std::vector<uint32_t>& after) {
  auto n = std::min(before.size(), after.size());
  auto at =
    std::mismatch(before.begin(), before.begin() + static_cast<std::ptrdiff_t>(n), after.begin());
  auto i = static_cast<size_t>(at.first - before.begin());
  if (i < n)
    return i;
  if (after.size() < before.size())
    return after.size(); // shortened
  return std::nullopt;
}

} // namespace

std::string_view to_string(break_cause c) {
  switch (c) {
    case break_cause::model_changed:
      return "model_changed";
    case break_cause::system_changed:
      return "system_changed";
    case break_cause::tools_changed:
      return "tools_changed";
    case break_cause::history_rewritten:
      return "history_rewritten";
    case break_cause::expired:
      return "expired";
    case break_cause::evicted:
      break;
  }
  return "evicted";
}

bool is_break(uint64_t previous, uint64_t now) {
  if (now >= previous)
    return false;
  auto drop = previous - now;
  auto share = static_cast<double>(now) / static_cast<double>(previous);
  return (drop >= 2000 && share < 0.95) || (drop >= 128 && share < 0.80);
}

std::optional<cache_break> find_break(const prior_call& prev, const call_fingerprint& now,
                                      uint64_t cached, int64_t started_us,
                                      std::chrono::seconds ttl) {
  if (!is_break(prev.cached_tokens, cached))
    return std::nullopt;
  cache_break b;
  b.previous_cached = prev.cached_tokens;
  b.cached = cached;
  b.previous_call = prev.trace_id;
  b.previous_model = prev.fingerprint.model;
  b.forked_from = prev.chat_id;
  b.idle_s = std::max<double>(0, static_cast<double>(started_us - prev.finished_us) / 1e6);
  const auto& before = prev.fingerprint;
  if (before.model != now.model)
    b.causes.push_back(break_cause::model_changed);
  if (before.system != now.system)
    b.causes.push_back(break_cause::system_changed);
  if (compare_tools(before, now, b))
    b.causes.push_back(break_cause::tools_changed);
  b.from_message = first_difference(before.messages, now.messages);
  if (b.from_message)
    b.causes.push_back(break_cause::history_rewritten);
  if (b.causes.empty())
    b.causes.push_back(b.idle_s >= static_cast<double>(ttl.count()) ? break_cause::expired
                                                                    : break_cause::evicted);
  return b;
}

} // namespace boocode::model
