#pragma once

#include <chrono>
#include <deque>
#include <memory>

#include <caf/actor_system.hpp>

#include "actors/session_deps.hpp"
#include "runtime/messages.hpp"

namespace boocode {

/// When a crashed session restarts: after first_delay, doubling per crash
/// up to max_delay; after max_crashes crashes within `window` it is failed
/// (no more restarts until one by hand).
struct restart_policy {
  std::chrono::milliseconds first_delay{100};
  std::chrono::milliseconds max_delay{5000};
  int max_crashes = 5;
  std::chrono::seconds window{60};
  std::deque<std::chrono::steady_clock::time_point> crashes;
  bool failed = false;

  /// Records a crash at `now`; the delay before the restart (meaningless
  /// once failed is set).
  std::chrono::milliseconds record_crash(std::chrono::steady_clock::time_point now);
  /// Forgets the crashes (a restart by hand).
  void reset();
};

/// The node's supervisor of session actors (chat id → session): spawns a
/// session on first use, restarts a crashed one from its checkpoint and
/// journal with backoff, marks it failed after repeated crashes (telling its
/// subscribers with a session_failed frame) and keeps each chat's
/// subscribers so a restarted session serves them again.
session_registry_actor spawn_session_registry(caf::actor_system& sys,
                                              std::shared_ptr<const session_deps> deps);

} // namespace boocode
