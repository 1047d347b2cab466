#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <spdlog/logger.h>

#include "runtime/trace/trace.hpp"

namespace boocode::trace {

/// Counters of the trace queue, for /api/health and tests.
struct queue_stats {
  uint64_t pending = 0;       // finished calls not yet written (queued or being written)
  uint64_t written = 0;       // rows stored
  uint64_t dropped = 0;       // rows refused because the queue was full
  uint64_t rejected = 0;      // rows the database refused one by one (bad data): lost
  uint64_t failed_writes = 0; // writes that failed because the database was unreachable (retried)
  uint64_t open = 0;          // calls started and not yet finished
};

/// The bounded buffer between the tracers (agent threads) and the trace
/// writer: finished() only appends under a short lock and never waits for
/// the database. When `capacity` rows wait, further rows are dropped, counted
/// and logged (at most every log_interval), never blocking the agent.
class trace_queue final : public trace_sink {
public:
  explicit trace_queue(size_t capacity, std::shared_ptr<spdlog::logger> log = nullptr,
                       std::chrono::milliseconds log_interval = std::chrono::seconds(10));

  /// Called (outside the lock) when a row arrives in an empty queue, so the
  /// writer knows to take it. Set before the first call.
  void on_ready(std::function<void()> wake);

  void started(std::shared_ptr<const trace_start> s) override;
  void finished(trace_record r) override;

  /// Up to `max` of the oldest rows, for one write. They stay pending until
  /// done() or put_back().
  std::vector<trace_record> take(size_t max);

  /// `n` taken rows are stored.
  void done(size_t n);

  /// A write failed: the rows go back to the front, to be written again.
  void put_back(std::vector<trace_record> rows);

  /// `n` taken rows were refused by the database and are given up.
  void rejected(size_t n);

  /// The node is stopping: every call still open becomes a finished row with
  /// outcome `interrupted` at `now_us`, queued like the others.
  void interrupt_open(int64_t now_us);

  queue_stats stats() const;

private:
  void report_drop(uint64_t dropped);

  const size_t capacity_;
  std::shared_ptr<spdlog::logger> log_;
  const std::chrono::milliseconds log_interval_;
  std::function<void()> wake_;

  mutable std::mutex mtx_;
  std::deque<trace_record> rows_;
  std::unordered_map<const trace_start*, std::shared_ptr<const trace_start>> open_;
  size_t in_flight_ = 0;
  uint64_t written_ = 0;
  uint64_t dropped_ = 0;
  uint64_t rejected_ = 0;
  uint64_t failed_writes_ = 0;
  std::chrono::steady_clock::time_point last_drop_log_{};
  uint64_t dropped_at_last_log_ = 0;
};

} // namespace boocode::trace
