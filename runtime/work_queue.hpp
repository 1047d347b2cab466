#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace boocode {

/// A bounded set of threads that run blocking jobs (database calls, turns)
/// for the actors, which must not block: an actor posts a job whose last
/// step sends the result back to it. Jobs run in the order posted, at most
/// `max_threads` at a time; threads start as jobs need them and stay.
/// A job may own the queue's last owner (the queue then ends from its own
/// thread without joining it).
class work_queue {
public:
  explicit work_queue(int max_threads);
  /// stop()s.
  ~work_queue();
  work_queue(const work_queue&) = delete;
  work_queue& operator=(const work_queue&) = delete;

  /// Queues `job`; dropped (destroyed unrun) once stopping.
  void post(std::function<void()> job);

  /// Drops the queued jobs and waits for the running ones (all but the
  /// caller's own, when a job calls it). Idempotent.
  void stop();

  /// Jobs queued and not started yet.
  size_t backlog() const;
  /// Threads started so far.
  size_t threads() const;

private:
  struct state;
  std::shared_ptr<state> state_; // shared with the threads, which may outlive this
};

} // namespace boocode
