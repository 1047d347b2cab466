#include "runtime/protocol/traces.hpp"

#include <cmath>

#include "runtime/protocol/records.hpp"

namespace boocode::protocol {

namespace {

void put_actor(object_writer& w, const trace::trace_start& s) {
  w.str("actor_kind", to_string(s.actor.kind))
    .str("actor_id", s.actor.id)
    .str_or_null("parent_id", s.actor.parent_id);
}

} // namespace

nlohmann::json to_json(const trace::trace_record& r, bool stored) {
  auto& s = *r.start;
  auto& e = r.end;
  bool model = s.kind == trace_kind::model;
  nlohmann::json j{{"id", s.id},
                   {"chat_id", s.chat_id},
                   {"turn", s.turn},
                   {"kind", to_string(s.kind)},
                   {"tool", s.tool},
                   {"call_id", s.call_id},
                   {"actor_kind", to_string(s.actor.kind)},
                   {"actor_id", s.actor.id},
                   {"parent_id", or_null(s.actor.parent_id)},
                   {"input", s.input.empty() ? nlohmann::json(nullptr)
                                             : nlohmann::json::parse(s.input, nullptr, false)},
                   {"output", e.output},
                   {"started_at", trace::iso_time(s.started_us)},
                   {"finished_at", trace::iso_time(e.finished_us)},
                   {"latency_ms", e.latency_ms},
                   {"ttft_ms", or_null(e.ttft_ms)},
                   {"outcome", to_string(e.outcome)},
                   {"error", or_null(e.error)},
                   {"exit_code", or_null(e.exit_code)},
                   {"tokens_used", e.tokens_used},
                   {"cache_tokens", e.cache_tokens},
                   {"reasoning_tokens", e.reasoning_tokens},
                   {"usage", e.usage ? to_json(*e.usage) : nlohmann::json(nullptr)},
                   {"model", model ? or_null(s.model) : nlohmann::json(nullptr)},
                   {"finish_reason", or_null(e.finish_reason)},
                   {"attempts", model ? nlohmann::json(e.attempts) : nlohmann::json(nullptr)}};
  j["prompt_cache"] = e.prompt_cache ? nlohmann::json::parse(e.prompt_cache->json, nullptr, false)
                                     : nlohmann::json(nullptr);
  if (stored && e.prompt_cache)
    j["message_hashes"] = e.prompt_cache->message_hashes;
  return j;
}

namespace {

double rounded(double v, double unit) {
  return std::round(v / unit) * unit;
}

nlohmann::json line_json(const trace::usage_line& l) {
  return {{"model_calls", l.calls},
          {"usage", to_json(l.usage)},
          {"hit_rate", rounded(l.hit_rate(), 1e-4)},
          {"cache_breaks", l.breaks},
          {"cost_usd", rounded(l.cost_usd, 1e-6)},
          {"saved_usd", rounded(l.saved_usd, 1e-6)}};
}

template <class Key>
nlohmann::json lines_json(const std::vector<std::pair<Key, trace::usage_line>>& lines,
                          const char* key) {
  auto out = nlohmann::json::array();
  for (const auto& [k, l] : lines) {
    auto j = line_json(l);
    j[key] = k;
    out.push_back(std::move(j));
  }
  return out;
}

} // namespace

nlohmann::json to_json(const trace::usage_summary& s) {
  return {{"chat_id", s.chat_id},
          {"total", line_json(s.total)},
          {"own", line_json(s.own)},
          {"turns", lines_json(s.turns, "turn")},
          {"subagents", lines_json(s.subagents, "id")},
          {"workflow_runs", lines_json(s.workflow_runs, "id")}};
}

nlohmann::json to_json(const trace::trace_page& page) {
  auto items = nlohmann::json::array();
  for (auto& r : page.items)
    items.push_back(to_json(r));
  return {{"items", std::move(items)},
          {"next_cursor", page.next_cursor ? nlohmann::json(std::to_string(*page.next_cursor))
                                           : nlohmann::json(nullptr)}};
}

std::string model_call_input(std::string_view model, size_t messages, size_t tools, size_t images,
                             size_t image_bytes) {
  object_writer w{96};
  w.str("model", model).num("messages", messages).num("tools", tools);
  if (images > 0)
    w.num("images", images).num("image_bytes", image_bytes);
  return w.done();
}

void put_trace_start(object_writer& w, const trace::trace_start& s) {
  w.str("id", s.id)
    .num("turn", s.turn)
    .raw("input", s.input.empty() ? std::string_view{"null"} : std::string_view{s.input})
    .str("started_at", trace::iso_time(s.started_us));
  if (s.kind == trace_kind::tool)
    w.str("tool", s.tool).str("call_id", s.call_id);
  else
    w.str("model", s.model);
  put_actor(w, s);
}

void put_trace_finish(object_writer& w, const trace::trace_start& s, const trace::trace_end& e) {
  w.str("id", s.id)
    .num("turn", s.turn)
    .str("finished_at", trace::iso_time(e.finished_us))
    .num("latency_ms", e.latency_ms)
    .str("outcome", to_string(e.outcome))
    .str("output_preview", e.output);
  w.str_or_null("error", e.error).num("tokens_used", e.tokens_used);
  if (s.kind == trace_kind::tool) {
    w.str("tool", s.tool).num_or_null("exit_code", e.exit_code);
  } else {
    w.num_or_null("ttft_ms", e.ttft_ms)
      .str_or_null("finish_reason", e.finish_reason)
      .num("attempts", e.attempts);
    if (e.usage)
      w.raw("usage", to_json(*e.usage).dump());
    else
      w.null("usage");
    w.num("cache_tokens", e.cache_tokens).num("reasoning_tokens", e.reasoning_tokens);
    if (e.prompt_cache)
      w.raw("prompt_cache", e.prompt_cache->json);
    else
      w.null("prompt_cache");
  }
}

} // namespace boocode::protocol
