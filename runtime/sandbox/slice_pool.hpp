#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace boocode::sandbox {

/// Work that runs in slices on the pool: one workflow run.
class sliced {
public:
  virtual ~sliced() = default;
  /// Runs one slice; true when more are waiting (the pool queues the job
  /// again, behind the others).
  virtual bool run_slice() = 0;
  /// Called from the watchdog's thread while run_slice has used more CPU
  /// time than `slice_cpu()`; at most once per slice.
  virtual void over_time() = 0;
  virtual std::chrono::milliseconds slice_cpu() const = 0;
  /// The pool is stopping (the node exits): end the running slice at once,
  /// reporting nothing (the work resumes elsewhere). From another thread.
  virtual void abandon() = 0;
};

/// A fixed set of threads that run the slices of many jobs, and a watchdog
/// that measures each slice's CPU time (the thread's CPU clock, so waiting
/// for a core does not count). A job is queued once at a time (its owner
/// keeps a "scheduled" flag), so its slices never run at once.
class slice_pool {
public:
  explicit slice_pool(unsigned threads);
  ~slice_pool();
  slice_pool(const slice_pool&) = delete;
  slice_pool& operator=(const slice_pool&) = delete;

  void schedule(std::shared_ptr<sliced> job);
  unsigned threads() const { return static_cast<unsigned>(workers_.size()); }

private:
  struct worker {
    std::thread thread;
    std::mutex mutex; // guards job and the slice's start, against the watchdog
    clockid_t clock{};
    std::shared_ptr<sliced> job;
    std::chrono::nanoseconds started{};
    bool flagged = false;
  };

  void work(worker& w);
  void watch();

  std::mutex mutex_;
  std::condition_variable ready_cv_;
  std::deque<std::shared_ptr<sliced>> ready_;
  bool stopping_ = false;
  unsigned busy_ = 0; // slices running
  std::vector<std::unique_ptr<worker>> workers_;
  std::condition_variable watch_cv_;
  std::thread watchdog_;
};

} // namespace boocode::sandbox
