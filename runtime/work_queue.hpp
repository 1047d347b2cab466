#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace boocode {

/// A fixed set of threads that run blocking jobs (database calls) for the
/// actors, which must not block: an actor posts a job whose last step sends
/// the result back to it. Jobs run in the order posted, `threads` at a time.
class work_queue {
public:
  explicit work_queue(int threads);
  /// stop()s.
  ~work_queue();
  work_queue(const work_queue&) = delete;
  work_queue& operator=(const work_queue&) = delete;

  /// Queues `job`; dropped (destroyed unrun) once stopping.
  void post(std::function<void()> job);

  /// Waits for the running jobs, drops the queued ones, joins the threads.
  /// Idempotent; must not be called from a job.
  void stop();

  /// Jobs queued and not started yet.
  size_t backlog() const;

private:
  void run();

  mutable std::mutex mtx_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

} // namespace boocode
