#include "runtime/sandbox/slice_pool.hpp"

#include <pthread.h>
#include <time.h>

namespace boocode::sandbox {
namespace {

constexpr auto watch_interval = std::chrono::milliseconds(10);

std::chrono::nanoseconds cpu_time(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

} // namespace

slice_pool::slice_pool(unsigned threads) {
  const unsigned n = threads == 0 ? 1 : threads;
  for (unsigned i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<worker>());
  }
  for (auto& w : workers_) {
    w->thread = std::thread([this, raw = w.get()] { work(*raw); });
  }
  watchdog_ = std::thread([this] { watch(); });
}

slice_pool::~slice_pool() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_cv_.notify_all();
  watch_cv_.notify_all();
  for (auto& w : workers_) {
    const std::lock_guard lock(w->mutex);
    if (w->job) {
      w->job->abandon(); // a script looping in a slice must not hold the exit
    }
  }
  for (auto& w : workers_) {
    w->thread.join();
  }
  watchdog_.join();
}

void slice_pool::schedule(std::shared_ptr<sliced> job) {
  {
    const std::lock_guard lock(mutex_);
    ready_.push_back(std::move(job));
  }
  ready_cv_.notify_one();
}

void slice_pool::work(worker& w) {
  pthread_getcpuclockid(pthread_self(), &w.clock);
  while (true) {
    std::shared_ptr<sliced> job;
    {
      std::unique_lock lock(mutex_);
      ready_cv_.wait(lock, [&] { return stopping_ || !ready_.empty(); });
      if (stopping_) {
        return;
      }
      job = std::move(ready_.front());
      ready_.pop_front();
      ++busy_;
    }
    {
      const std::lock_guard lock(w.mutex);
      w.job = job;
      w.started = cpu_time(w.clock);
      w.flagged = false;
    }
    watch_cv_.notify_one();
    const bool more = job->run_slice();
    {
      const std::lock_guard lock(w.mutex);
      w.job.reset();
    }
    {
      const std::lock_guard lock(mutex_);
      --busy_;
    }
    if (more) {
      schedule(std::move(job));
    }
  }
}

void slice_pool::watch() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // Asleep while no slice runs; every 10 ms while one does.
    watch_cv_.wait(lock, [&] { return stopping_ || busy_ > 0; });
    watch_cv_.wait_for(lock, watch_interval, [&] { return stopping_; });
    if (stopping_) {
      return;
    }
    lock.unlock();
    for (auto& w : workers_) {
      const std::lock_guard wl(w->mutex);
      if (w->job && !w->flagged && cpu_time(w->clock) - w->started > w->job->slice_cpu()) {
        w->flagged = true;
        w->job->over_time();
      }
    }
    lock.lock();
  }
}

} // namespace boocode::sandbox
