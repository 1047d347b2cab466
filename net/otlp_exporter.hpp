#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/logger.h>

#include "net/model_http.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/trace/observed_sink.hpp"
#include "runtime/trace/otlp_json.hpp"

namespace boocode::net {

struct otlp_options {
  /// The collector: http(s)://host:port[/path]. Spans go to its
  /// /v1/traces unless the path already ends so.
  std::string endpoint;
  /// Sent with every export (an API key for Honeycomb, Langfuse, ...).
  std::vector<std::pair<std::string, std::string>> headers;
  /// Spans that may wait; further ones are dropped and counted.
  size_t capacity = 20'000;
  /// Spans per request, and how long a part batch waits before it goes.
  size_t batch = 512;
  std::chrono::milliseconds interval{1000};
  /// One request's time limit; a failed request is tried `attempts` times
  /// in all, a second apart and more, before its spans are dropped.
  std::chrono::milliseconds timeout{5000};
  int attempts = 3;
  trace::otlp_resource resource;
  std::function<std::string(std::string_view model)> provider_of;
  metrics::counter exported;
  metrics::counter dropped;
  metrics::counter failures;
  std::shared_ptr<spdlog::logger> log;
};

/// Exports the node's model and tool calls and its turns as OpenTelemetry
/// spans over OTLP/HTTP (JSON). The agent's path only copies a call's
/// start and end (not its output) into a bounded queue; one thread of the
/// exporter's own batches them and posts them. Full: the span is dropped
/// and counted, nothing waits.
class otlp_exporter final : public trace::trace_observer {
public:
  /// Throws std::invalid_argument for an endpoint that is not an http(s) URL.
  explicit otlp_exporter(otlp_options opts);
  /// Sends what waits (within one request's time limit) and stops.
  ~otlp_exporter() override;
  otlp_exporter(const otlp_exporter&) = delete;
  otlp_exporter& operator=(const otlp_exporter&) = delete;

  /// A finished call (only those whose turn has a trace).
  void observe(const trace::trace_record& r) override;
  /// A finished turn.
  void add_turn(trace::turn_span t);

  /// Spans queued or being sent.
  size_t pending() const;

private:
  void push(trace::export_span s);
  void run();
  bool send(const std::vector<trace::export_span>& batch);

  otlp_options opts_;
  parsed_url url_;
  mutable std::mutex mtx_;
  std::condition_variable wake_;
  std::deque<trace::export_span> queue_;
  size_t sending_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace boocode::net
