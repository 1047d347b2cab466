#include "runtime/metrics/registry.hpp"

#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <stdexcept>

#include <fmt/format.h>
#include <prometheus/check_names.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace boocode::metrics {

// A default-made handle counts nothing.
void counter::inc(double by) const {
  if (c_ != nullptr)
    c_->Increment(by);
}
double counter::value() const {
  return c_ != nullptr ? c_->Value() : 0;
}

void gauge::set(double v) const {
  if (g_ != nullptr)
    g_->Set(v);
}
void gauge::inc(double by) const {
  if (g_ != nullptr)
    g_->Increment(by);
}
void gauge::dec(double by) const {
  if (g_ != nullptr)
    g_->Decrement(by);
}
double gauge::value() const {
  return g_ != nullptr ? g_->Value() : 0;
}

void histogram::observe(double v) const {
  if (h_ != nullptr)
    h_->Observe(v);
}

template <class Handle>
struct family<Handle>::state {
  std::vector<std::string> label_names;
  /// Makes (or finds) prometheus-cpp's series for a set of labels.
  std::function<Handle(const prometheus::Labels&)> make;
  mutable std::shared_mutex mtx;
  /// Label values joined by '\x1f' → the series.
  std::map<std::string, Handle, std::less<>> series;
};

template <class Handle>
Handle family<Handle>::with(std::initializer_list<std::string_view> values) const {
  if (!s_)
    return Handle{};
  if (values.size() != s_->label_names.size())
    throw std::invalid_argument("metric series: expected " +
                                std::to_string(s_->label_names.size()) + " label value(s)");
  std::string key;
  for (auto v : values) {
    key.append(v);
    key.push_back('\x1f');
  }
  {
    std::shared_lock lock{s_->mtx};
    if (auto it = s_->series.find(key); it != s_->series.end())
      return it->second;
  }
  prometheus::Labels labels;
  size_t i = 0;
  for (auto v : values)
    labels.emplace(s_->label_names[i++], std::string{v});
  std::unique_lock lock{s_->mtx};
  auto [it, added] = s_->series.try_emplace(std::move(key));
  if (added)
    it->second = s_->make(labels);
  return it->second;
}

template class family<counter>;
template class family<gauge>;
template class family<histogram>;

std::vector<double> latency_buckets() {
  return {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
}

std::vector<double> overhead_buckets() {
  return {1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 0.1, 1};
}

namespace {

struct collector {
  std::string name;
  std::string help;
  metric_type type;
  std::vector<std::string> labels;
  std::function<std::vector<reading>()> read;
};

prometheus::MetricFamily collect_one(const collector& c) {
  prometheus::MetricFamily f;
  f.name = c.name;
  f.help = c.help;
  f.type = c.type == metric_type::counter ? prometheus::MetricType::Counter
                                          : prometheus::MetricType::Gauge;
  for (auto& r : c.read()) {
    prometheus::ClientMetric m;
    for (size_t i = 0; i < c.labels.size() && i < r.labels.size(); ++i)
      m.label.push_back({c.labels[i], r.labels[i]});
    if (c.type == metric_type::counter)
      m.counter.value = r.value;
    else
      m.gauge.value = r.value;
    f.metric.push_back(std::move(m));
  }
  return f;
}

} // namespace

struct registry::impl {
  prometheus::Registry families{prometheus::Registry::InsertBehavior::Throw};
  mutable std::mutex mtx; // names and collectors
  std::set<std::string> names;
  std::vector<collector> collectors;

  void declare(const std::string& name, const std::vector<std::string>& labels) {
    if (!prometheus::CheckMetricName(name))
      throw std::invalid_argument("bad metric name: " + name);
    for (auto& l : labels)
      if (!prometheus::CheckLabelName(l) || l == "le")
        throw std::invalid_argument(fmt::format("bad label name on {}: {}", name, l));
    std::lock_guard guard{mtx};
    if (!names.insert(name).second)
      throw std::invalid_argument("metric declared twice: " + name);
  }

  template <class Handle, class Family, class... Args>
  family<Handle> make_family(Family& f, std::vector<std::string> labels, Args... args) {
    auto s = std::make_shared<typename family<Handle>::state>();
    s->label_names = std::move(labels);
    s->make = [&f, args...](const prometheus::Labels& l) { return Handle{&f.Add(l, args...)}; };
    return family<Handle>{std::move(s)};
  }
};

registry::registry() : impl_(std::make_unique<impl>()) {}
registry::~registry() = default;

counter_family registry::counters(const std::string& name, const std::string& help,
                                  std::vector<std::string> labels) {
  impl_->declare(name, labels);
  auto& f = prometheus::BuildCounter().Name(name).Help(help).Register(impl_->families);
  return impl_->make_family<counter>(f, std::move(labels));
}

gauge_family registry::gauges(const std::string& name, const std::string& help,
                              std::vector<std::string> labels) {
  impl_->declare(name, labels);
  auto& f = prometheus::BuildGauge().Name(name).Help(help).Register(impl_->families);
  return impl_->make_family<gauge>(f, std::move(labels));
}

histogram_family registry::histograms(const std::string& name, const std::string& help,
                                      std::vector<double> bounds, std::vector<std::string> labels) {
  impl_->declare(name, labels);
  auto& f = prometheus::BuildHistogram().Name(name).Help(help).Register(impl_->families);
  return impl_->make_family<histogram>(f, std::move(labels), std::move(bounds));
}

void registry::collect(const std::string& name, const std::string& help, metric_type type,
                       std::vector<std::string> labels,
                       std::function<std::vector<reading>()> read) {
  impl_->declare(name, labels);
  std::lock_guard guard{impl_->mtx};
  impl_->collectors.push_back({name, help, type, std::move(labels), std::move(read)});
}

std::string registry::render() const {
  auto all = impl_->families.Collect();
  std::vector<collector> collectors;
  {
    std::lock_guard guard{impl_->mtx};
    collectors = impl_->collectors;
  }
  for (auto& c : collectors)
    all.push_back(collect_one(c));
  return prometheus::TextSerializer{}.Serialize(all);
}

} // namespace boocode::metrics
