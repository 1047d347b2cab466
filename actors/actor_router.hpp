#pragma once

#include <mutex>

#include "runtime/messages.hpp"

namespace boocode {

/// The node's registry, for code off the actors' threads (turn workers,
/// REST handlers) that hands an actor its input. Set once, when the
/// registry starts, before any session runs; sends to nowhere before that.
class actor_router {
public:
  void set(session_registry_actor r) {
    std::lock_guard lock{mu_};
    registry_ = std::move(r);
  }
  session_registry_actor get() const {
    std::lock_guard lock{mu_};
    return registry_;
  }

private:
  mutable std::mutex mu_;
  session_registry_actor registry_;
};

} // namespace boocode
