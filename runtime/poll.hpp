#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

namespace boocode {

/// Calls `done` until it returns true or `timeout` passes, backing off from
/// 1 ms to 50 ms between calls. Returns whether `done` became true. For
/// waiting on another process or thread; actors use timers instead.
template <class Predicate>
bool poll_until(std::chrono::milliseconds timeout, Predicate&& done) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  return true;
}

} // namespace boocode
