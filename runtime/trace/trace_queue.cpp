#include "runtime/trace/trace_queue.hpp"

#include <algorithm>

namespace boocode::trace {

trace_queue::trace_queue(size_t capacity, std::shared_ptr<spdlog::logger> log,
                         std::chrono::milliseconds log_interval)
  : capacity_(std::max<size_t>(capacity, 1)), log_(std::move(log)), log_interval_(log_interval) {}

void trace_queue::on_ready(std::function<void()> wake) {
  std::lock_guard guard{mtx_};
  wake_ = std::move(wake);
}

void trace_queue::started(std::shared_ptr<const trace_start> s) {
  std::lock_guard guard{mtx_};
  auto* key = s.get();
  open_.emplace(key, std::move(s));
}

void trace_queue::finished(trace_record r) {
  bool wake = false;
  uint64_t dropped = 0;
  std::function<void()> waker;
  {
    std::lock_guard guard{mtx_};
    open_.erase(r.start.get());
    if (rows_.size() + in_flight_ >= capacity_) {
      dropped = ++dropped_;
    } else {
      wake = rows_.empty();
      rows_.push_back(std::move(r));
      if (wake)
        waker = wake_;
    }
  }
  if (dropped != 0)
    report_drop(dropped);
  if (waker)
    waker();
}

void trace_queue::report_drop(uint64_t dropped) {
  if (!log_)
    return;
  auto now = std::chrono::steady_clock::now();
  uint64_t since = 0;
  {
    std::lock_guard guard{mtx_};
    if (dropped_at_last_log_ != 0 && now - last_drop_log_ < log_interval_)
      return;
    since = dropped - dropped_at_last_log_;
    last_drop_log_ = now;
    dropped_at_last_log_ = dropped;
  }
  log_->warn("trace queue full ({} rows wait for the database): dropped {} trace row(s), {} in "
             "total; the traces of those calls are lost",
             capacity_, since, dropped);
}

std::vector<trace_record> trace_queue::take(size_t max) {
  std::lock_guard guard{mtx_};
  auto n = std::min(max, rows_.size());
  std::vector<trace_record> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(std::move(rows_.front()));
    rows_.pop_front();
  }
  in_flight_ += n;
  return out;
}

void trace_queue::done(size_t n) {
  std::lock_guard guard{mtx_};
  n = std::min(n, in_flight_);
  in_flight_ -= n;
  written_ += n;
}

void trace_queue::put_back(std::vector<trace_record> rows) {
  std::lock_guard guard{mtx_};
  ++failed_writes_;
  in_flight_ -= std::min(rows.size(), in_flight_);
  for (auto i = rows.rbegin(); i != rows.rend(); ++i)
    rows_.push_front(std::move(*i));
}

void trace_queue::rejected(size_t n) {
  std::lock_guard guard{mtx_};
  n = std::min(n, in_flight_);
  in_flight_ -= n;
  rejected_ += n;
}

void trace_queue::interrupt_open(int64_t now_us) {
  std::function<void()> waker;
  {
    std::lock_guard guard{mtx_};
    if (open_.empty())
      return;
    std::vector<std::shared_ptr<const trace_start>> open;
    for (auto& [id, s] : open_)
      open.push_back(s);
    open_.clear();
    std::sort(open.begin(), open.end(),
              [](auto& a, auto& b) { return a->started_us < b->started_us; });
    bool was_empty = rows_.empty();
    for (auto& s : open) {
      trace_record r{s, {}};
      r.end.finished_us = std::max(now_us, s->started_us);
      r.end.latency_ms = static_cast<double>(r.end.finished_us - s->started_us) / 1000.0;
      r.end.outcome = outcome::interrupted;
      r.end.error = interrupted_error;
      rows_.push_back(std::move(r)); // past the capacity: these are the last rows
    }
    if (was_empty)
      waker = wake_;
  }
  if (waker)
    waker();
}

queue_stats trace_queue::stats() const {
  std::lock_guard guard{mtx_};
  return {rows_.size() + in_flight_, written_, dropped_, rejected_, failed_writes_, open_.size()};
}

} // namespace boocode::trace
