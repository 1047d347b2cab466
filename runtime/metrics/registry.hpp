#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

// prometheus-cpp stays behind this adapter: nothing else names its types.
namespace prometheus {
class Counter;
class Gauge;
class Histogram;
} // namespace prometheus

namespace boocode::metrics {

/// A value that only goes up. Cheap to copy; valid while its registry lives;
/// one made by default counts nothing (so may every handle below).
class counter {
public:
  counter() = default;
  explicit counter(prometheus::Counter* c) : c_(c) {}
  void inc(double by = 1) const;
  double value() const;

private:
  prometheus::Counter* c_ = nullptr;
};

/// A value that goes up and down.
class gauge {
public:
  gauge() = default;
  explicit gauge(prometheus::Gauge* g) : g_(g) {}
  void set(double v) const;
  void inc(double by = 1) const;
  void dec(double by = 1) const;
  double value() const;

private:
  prometheus::Gauge* g_ = nullptr;
};

/// Observations counted into fixed buckets (seconds, for durations).
class histogram {
public:
  histogram() = default;
  explicit histogram(prometheus::Histogram* h) : h_(h) {}
  void observe(double v) const;

private:
  prometheus::Histogram* h_ = nullptr;
};

/// The series of one labelled metric, made on first use and kept for the
/// registry's life. with() costs a lookup under a shared lock (no
/// allocation for a series already made); a hot path that always uses the
/// same series keeps the handle instead. Thread-safe.
template <class Handle>
class family {
public:
  struct state;
  family() = default;
  explicit family(std::shared_ptr<state> s) : s_(std::move(s)) {}
  /// The series with these label values, in the order the labels were
  /// declared (a family made by default gives handles that count nothing).
  Handle with(std::initializer_list<std::string_view> values) const;

private:
  std::shared_ptr<state> s_;
};

using counter_family = family<counter>;
using gauge_family = family<gauge>;
using histogram_family = family<histogram>;

enum class metric_type { counter, gauge };

/// A value read at scrape time: its label values and the value.
struct reading {
  std::vector<std::string> labels;
  double value = 0;
};

/// Bucket bounds in seconds from 1 ms to 2 min, for calls and steps.
std::vector<double> latency_buckets();
/// Bucket bounds in seconds from 10 µs to 1 s, for the runtime's own costs.
std::vector<double> overhead_buckets();

/// The metrics of one node and their Prometheus text rendering. Names are
/// checked when declared (std::invalid_argument for a bad or repeated one).
class registry {
public:
  registry();
  ~registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  counter_family counters(const std::string& name, const std::string& help,
                          std::vector<std::string> labels = {});
  gauge_family gauges(const std::string& name, const std::string& help,
                      std::vector<std::string> labels = {});
  histogram_family histograms(const std::string& name, const std::string& help,
                              std::vector<double> bounds, std::vector<std::string> labels = {});

  /// A metric whose series are read from elsewhere (a queue's counters, a
  /// pool's state) each time the metrics are rendered. `read` runs on the
  /// scraping thread and must not block.
  void collect(const std::string& name, const std::string& help, metric_type type,
               std::vector<std::string> labels, std::function<std::vector<reading>()> read);

  /// Everything, in the Prometheus text format (version 0.0.4).
  std::string render() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The Content-Type of render()'s text.
inline constexpr const char* text_content_type = "text/plain; version=0.0.4; charset=utf-8";

} // namespace boocode::metrics
