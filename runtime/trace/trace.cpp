#include "runtime/trace/trace.hpp"

#include <chrono>
#include <ctime>
#include <random>

#include <fmt/format.h>

#include "runtime/tools/text.hpp"

namespace boocode::trace {

namespace {

constexpr std::string_view outcome_names[] = {"ok",        "error",       "timeout",
                                              "cancelled", "interrupted", "denied"};

nlohmann::json nullable(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

template <class T>
nlohmann::json nullable(const std::optional<T>& x) {
  return x ? nlohmann::json(*x) : nlohmann::json(nullptr);
}

void add_actor(nlohmann::json& j, const trace_start& s) {
  j["actor_kind"] = s.actor.kind;
  j["actor_id"] = s.actor.id;
  j["parent_id"] = nullable(s.actor.parent_id);
}

} // namespace

std::string_view to_string(outcome x) {
  return outcome_names[static_cast<size_t>(x)];
}

std::optional<outcome> parse_outcome(std::string_view name) {
  for (size_t i = 0; i < std::size(outcome_names); ++i)
    if (outcome_names[i] == name)
      return static_cast<outcome>(i);
  return std::nullopt;
}

std::string_view to_string(call_kind x) {
  return x == call_kind::tool ? "tool" : "model";
}

std::string clip_output(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes)
    return std::string(text);
  auto kept = tools::clip_utf8(text, max_bytes);
  return fmt::format("{}\n[... {} more bytes not kept in the trace]", kept,
                     text.size() - kept.size());
}

std::string iso_time(int64_t unix_us) {
  auto secs = static_cast<std::time_t>(unix_us / 1'000'000);
  auto frac = unix_us % 1'000'000;
  if (frac < 0) {
    frac += 1'000'000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

id_source::id_source() {
  static constexpr char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::random_device rd;
  prefix_ = "t";
  for (int i = 0; i < 12; ++i)
    prefix_ += alphabet[rd() % 36];
  prefix_ += '.';
}

std::string id_source::next() {
  return prefix_ + std::to_string(counter_.fetch_add(1, std::memory_order_relaxed) + 1);
}

nlohmann::json start_frame(const trace_start& s) {
  nlohmann::json j{{"id", s.id},
                   {"turn", s.turn},
                   {"input", s.input},
                   {"started_at", iso_time(s.started_us)}};
  if (s.kind == call_kind::tool) {
    j["tool"] = s.tool;
    j["call_id"] = s.call_id;
  } else {
    j["model"] = s.model;
  }
  add_actor(j, s);
  return j;
}

nlohmann::json finish_frame(const trace_record& r) {
  auto& s = *r.start;
  auto& e = r.end;
  nlohmann::json j{{"id", s.id},
                   {"turn", s.turn},
                   {"finished_at", iso_time(e.finished_us)},
                   {"latency_ms", e.latency_ms},
                   {"outcome", to_string(e.outcome)},
                   {"output_preview", clip_output(e.output, preview_bytes)},
                   {"error", nullable(e.error)},
                   {"tokens_used", e.tokens_used}};
  if (s.kind == call_kind::tool) {
    j["tool"] = s.tool;
    j["exit_code"] = nullable(e.exit_code);
  } else {
    j["ttft_ms"] = nullable(e.ttft_ms);
    j["finish_reason"] = nullable(e.finish_reason);
    j["attempts"] = e.attempts;
    j["usage"] = e.usage ? model::to_json(*e.usage) : nlohmann::json(nullptr);
    j["cache_tokens"] = e.cache_tokens;
    j["reasoning_tokens"] = e.reasoning_tokens;
  }
  return j;
}

nlohmann::json to_json(const trace_record& r) {
  auto& s = *r.start;
  auto& e = r.end;
  bool model = s.kind == call_kind::model;
  nlohmann::json j{{"id", s.id},
                   {"chat_id", s.chat_id},
                   {"turn", s.turn},
                   {"kind", to_string(s.kind)},
                   {"tool", s.tool},
                   {"call_id", s.call_id},
                   {"input", s.input},
                   {"output", e.output},
                   {"started_at", iso_time(s.started_us)},
                   {"finished_at", iso_time(e.finished_us)},
                   {"latency_ms", e.latency_ms},
                   {"ttft_ms", nullable(e.ttft_ms)},
                   {"outcome", to_string(e.outcome)},
                   {"error", nullable(e.error)},
                   {"exit_code", nullable(e.exit_code)},
                   {"tokens_used", e.tokens_used},
                   {"cache_tokens", e.cache_tokens},
                   {"reasoning_tokens", e.reasoning_tokens},
                   {"usage", e.usage ? model::to_json(*e.usage) : nlohmann::json(nullptr)},
                   {"model", model ? nullable(s.model) : nlohmann::json(nullptr)},
                   {"finish_reason", nullable(e.finish_reason)},
                   {"attempts", model ? nlohmann::json(e.attempts) : nlohmann::json(nullptr)}};
  add_actor(j, s);
  return j;
}

} // namespace boocode::trace
