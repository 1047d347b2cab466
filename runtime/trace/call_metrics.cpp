#include "runtime/trace/call_metrics.hpp"

namespace boocode::trace {

void call_metrics::observe(const trace_record& r) {
  const auto& s = *r.start;
  if (s.kind == call_kind::model) {
    observe_model(s, r.end);
    return;
  }
  auto outcome = protocol::to_string(r.end.outcome);
  m_.tool_calls.with({s.tool, outcome}).inc();
  m_.tool_time.with({s.tool}).observe(r.end.latency_ms / 1000);
}

void call_metrics::observe_model(const trace_start& s, const trace_end& e) {
  auto provider = provider_of_(s.model);
  m_.model_calls.with({provider, s.model, protocol::to_string(e.outcome)}).inc();
  m_.model_time.with({provider, s.model}).observe(e.latency_ms / 1000);
  if (e.ttft_ms)
    m_.model_ttft.with({provider, s.model}).observe(*e.ttft_ms / 1000);
  if (!e.usage)
    return;
  const auto& u = *e.usage;
  const std::pair<const char*, uint64_t> kinds[] = {
    {"prompt", u.prompt},           {"cache_hit", u.cache_hit},   {"cache_miss", u.cache_miss},
    {"cache_write", u.cache_write}, {"completion", u.completion}, {"reasoning", u.reasoning},
  };
  for (auto [kind, n] : kinds)
    if (n > 0)
      m_.model_tokens.with({provider, s.model, kind}).inc(static_cast<double>(n));
  if (auto cost = prices_.cost(s.model, u); cost > 0)
    m_.model_cost.with({provider, s.model}).inc(cost);
}

} // namespace boocode::trace
