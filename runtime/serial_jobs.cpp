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
  std::exception_ptr failure;

  /// Runs the jobs until none are left (on a queue thread).
  void drain() {
    for (;;) {
      std::function<void()> job;
      {
        std::lock_guard guard{mtx};
        if (jobs.empty() || failure) {
          jobs.clear();
          draining = false;
          idle.notify_all();
          return;
        }
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      try {
        job();
      } catch (...) {
        std::lock_guard guard{mtx};
        failure = std::current_exception();
      }
    }
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

void serial_jobs::wait() {
  std::unique_lock lock{state_->mtx};
  state_->idle.wait(lock, [this] { return !state_->draining; });
  if (state_->failure)
    std::rethrow_exception(state_->failure);
}

} // namespace boocode
