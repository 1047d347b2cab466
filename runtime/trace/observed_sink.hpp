#pragma once

#include <memory>
#include <vector>

#include "runtime/trace/trace.hpp"

namespace boocode::trace {

/// Sees every finished call as the tracer hands it on: the node's metrics,
/// the span exporter. Called on the agent's path: must cost well under a
/// microsecond and never block.
class trace_observer {
public:
  virtual ~trace_observer() = default;
  virtual void observe(const trace_record& r) = 0;
};

/// A sink that shows each finished call to its observers, then passes it to
/// the sink that stores it (the trace queue).
class observed_sink final : public trace_sink {
public:
  observed_sink(std::shared_ptr<trace_sink> next,
                std::vector<std::shared_ptr<trace_observer>> observers)
    : next_(std::move(next)), observers_(std::move(observers)) {}

  void started(std::shared_ptr<const trace_start> s) override { next_->started(std::move(s)); }
  void finished(trace_record r) override {
    for (const auto& o : observers_)
      o->observe(r);
    next_->finished(std::move(r));
  }

private:
  std::shared_ptr<trace_sink> next_;
  std::vector<std::shared_ptr<trace_observer>> observers_;
};

} // namespace boocode::trace
