#pragma once

// Holds a fake model's replies back until the test opens the gate: a
// responder calls wait() for the calls it should hold; the test sees them
// waiting, does what it tests meanwhile, and opens the gate.

#include <condition_variable>
#include <mutex>

namespace boocode::test {

class model_gate {
public:
  /// Blocks the calling responder until open() (a call that comes later
  /// passes at once).
  void wait() {
    std::unique_lock lock{mu_};
    ++waiting_;
    cv_.wait(lock, [this] { return open_; });
  }
  void open() {
    std::lock_guard lock{mu_};
    open_ = true;
    cv_.notify_all();
  }
  /// How many calls have waited (or wait).
  int waiting() const {
    std::lock_guard lock{mu_};
    return waiting_;
  }

private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int waiting_ = 0;
};

} // namespace boocode::test
