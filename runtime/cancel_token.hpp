#pragma once

#include <atomic>

namespace boocode {

/// A flag one thread raises (the session, on the user's cancel) and a tool
/// running on another thread checks while it waits. Shared as
/// std::shared_ptr<cancel_token>; never reset once raised.
class cancel_token {
public:
  void cancel() noexcept { flag_.store(true, std::memory_order_release); }
  bool cancelled() const noexcept { return flag_.load(std::memory_order_acquire); }

private:
  std::atomic<bool> flag_{false};
};

} // namespace boocode
