#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "runtime/metrics/node_metrics.hpp"
#include "runtime/model/prices.hpp"
#include "runtime/trace/observed_sink.hpp"

namespace boocode::trace {

/// Counts every traced call into the node's metrics: model calls by
/// provider, model and outcome with their latency, time to first token,
/// tokens by kind and cost; tool calls by tool and outcome with their
/// latency.
class call_metrics final : public trace_observer {
public:
  /// `provider_of` names the provider that serves a model ("deepseek",
  /// "openai", ...); `prices` costs its tokens.
  call_metrics(metrics::node_metrics& m, const model::price_table& prices,
               std::function<std::string(std::string_view model)> provider_of)
    : m_(m), prices_(prices), provider_of_(std::move(provider_of)) {}

  void observe(const trace_record& r) override;

private:
  void observe_model(const trace_start& s, const trace_end& e);

  metrics::node_metrics& m_;
  const model::price_table& prices_;
  std::function<std::string(std::string_view)> provider_of_;
};

} // namespace boocode::trace
