#include "runtime/serial_jobs.hpp"

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>

namespace boocode {

struct serial_jobs::state {
  mutable std::mutex mtx;
  std::condition_variable idle;
  std::deque<std::function<void()>> jobs;
  bool draining = false; // a drain is queued or running
  bool running = false;  // a job runs (in a drain or in wait())
  std::exception_ptr failure;

  /// Runs the next job unless one runs already or none is left (a failure
  /// drops those left). `lock` holds mtx; it is released while the job runs.
  bool run_next(std::unique_lock<std::mutex>& lock) {
    if (failure)
      jobs.clear();
    if (running || jobs.empty())
      return false;
    auto job = std::move(jobs.front());
    jobs.pop_front();
    running = true;
    lock.unlock();
    std::exception_ptr failed;
    try {
      job();
    } catch (...) {
      failed = std::current_exception();
    }
    lock.lock();
    running = false;
    if (failed && !failure)
      failure = failed;
    idle.notify_all();
    return true;
  }

  /// Runs the jobs until none are left (on a queue thread), or until wait()
  /// runs them.
  void drain() {
    std::unique_lock lock{mtx};
    while (run_next(lock)) {
    }
    draining = false;
    idle.notify_all();
  }

  /// The queue dropped the drain without running it.
  void dropped() {
    std::lock_guard guard{mtx};
    if (!failure)
      failure = std::make_exception_ptr(work_queue_stopped{});
    jobs.clear();
    draining = false;
    idle.notify_all();
  }

  /// Owned by a queued drain: tells the chain when the queue drops it unrun.
  struct ticket {
    explicit ticket(std::shared_ptr<state> st) : s(std::move(st)) {}
    ticket(const ticket&) = delete;
    ticket& operator=(const ticket&) = delete;
    ~ticket() {
      if (!ran)
        s->dropped();
    }
    std::shared_ptr<state> s;
    bool ran = false;
  };
};

serial_jobs::serial_jobs(std::shared_ptr<work_queue> queue)
  : queue_(std::move(queue)), state_(std::make_shared<state>()) {}

serial_jobs::~serial_jobs() {
  try {
    wait();
  } catch (...) { // reported by the job's poster, or nobody is left to care
  }
}

void serial_jobs::post(std::function<void()> job) {
  bool start = false;
  {
    std::lock_guard guard{state_->mtx};
    if (state_->failure)
      std::rethrow_exception(state_->failure);
    state_->jobs.push_back(std::move(job));
    start = !state_->draining;
    state_->draining = true;
  }
  if (start) {
    auto ticket = std::make_shared<state::ticket>(state_);
    queue_->post([ticket] {
      ticket->ran = true;
      ticket->s->drain();
    });
  }
}

void serial_jobs::hold(std::function<void()> job) {
  std::lock_guard guard{state_->mtx};
  if (state_->failure)
    std::rethrow_exception(state_->failure);
  state_->jobs.push_back(std::move(job));
}

void serial_jobs::wait() {
  // The waiter runs what has not started: a job posted just before costs no
  // hand-over to a queue thread and back (the drain finds nothing left).
  std::unique_lock lock{state_->mtx};
  for (;;) {
    if (state_->run_next(lock))
      continue;
    if (!state_->running && (state_->jobs.empty() || state_->failure))
      break;
    state_->idle.wait(lock);
  }
  if (state_->failure)
    std::rethrow_exception(state_->failure);
}

} // namespace boocode
