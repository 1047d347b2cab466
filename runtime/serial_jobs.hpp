#pragma once

#include <functional>
#include <memory>
#include <stdexcept>

#include "runtime/work_queue.hpp"

namespace boocode {

/// Jobs that run one after another, in the order posted, on a work_queue's
/// threads while the poster goes on: a turn's journal writes, done while the
/// model answers. The first job that throws stops the ones after it (they
/// are dropped) and its exception is rethrown by the next post() or wait().
/// Jobs the queue drops (it stops) end the chain with
/// `work_queue_stopped`. Not thread-safe: one poster.
class serial_jobs {
public:
  explicit serial_jobs(std::shared_ptr<work_queue> queue);
  /// Waits for the jobs posted (they own what they use; errors are dropped).
  ~serial_jobs();
  serial_jobs(const serial_jobs&) = delete;
  serial_jobs& operator=(const serial_jobs&) = delete;

  /// Queues `job` behind the others; rethrows an earlier job's failure
  /// instead (and queues nothing).
  void post(std::function<void()> job);

  /// Queues `job` behind the others without waking a queue thread for it:
  /// a drain already running takes it, else the next post() hands it on
  /// with its own job, or the next wait() runs it on the caller's thread.
  /// For a write the poster waits for next: it costs no hand-over to a
  /// queue thread and back. Rethrows an earlier job's failure instead (and
  /// queues nothing).
  void hold(std::function<void()> job);

  /// Returns once every job posted so far has run, running those not started
  /// yet itself; rethrows the first failure.
  void wait();

private:
  struct state;
  std::shared_ptr<work_queue> queue_;
  std::shared_ptr<state> state_; // shared with the job running
};

/// What a serial_jobs rethrows when its work_queue dropped its jobs.
struct work_queue_stopped : std::runtime_error {
  work_queue_stopped() : std::runtime_error("the node is stopping") {}
};

} // namespace boocode
