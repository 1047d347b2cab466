#pragma once

#include <atomic>

namespace boocode {

/// Why work was stopped: the user asked, or the node is shutting down (the
/// calls it cut short are traced as interrupted, not cancelled).
enum class cancel_reason { none, user, shutdown };

/// A flag one thread raises (the session, on the user's cancel or when it
/// stops) and a tool running on another thread checks while it waits. Shared
/// as std::shared_ptr<cancel_token>; never reset once raised (the first
/// reason sticks).
class cancel_token {
public:
  void cancel(cancel_reason why = cancel_reason::user) noexcept {
    auto none = cancel_reason::none;
    reason_.compare_exchange_strong(none, why, std::memory_order_acq_rel);
  }
  bool cancelled() const noexcept {
    return reason_.load(std::memory_order_acquire) != cancel_reason::none;
  }
  cancel_reason reason() const noexcept { return reason_.load(std::memory_order_acquire); }

private:
  std::atomic<cancel_reason> reason_{cancel_reason::none};
};

} // namespace boocode
