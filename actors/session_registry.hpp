#pragma once

#include <chrono>
#include <memory>
#include <vector>

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
  std::vector<std::chrono::steady_clock::time_point> crashes; // within `window`, oldest first
  bool failed = false;

  /// Records a crash at `now`; the delay before the restart (meaningless
  /// once failed is set).
  std::chrono::milliseconds record_crash(std::chrono::steady_clock::time_point now);
  /// Forgets the crashes (a restart by hand).
  void reset();
};

/// The node's supervisor and router of sessions (chat id → session): asks
/// `store` who owns a chat (claiming it when no live node does); runs the
/// sessions of the chats this node owns, restarting a crashed one from its
/// checkpoint and journal with backoff and marking it failed after repeated
/// crashes (telling its subscribers with a session_failed frame); reaches the
/// sessions of other nodes' chats through their node directories. Keeps each
/// chat's subscribers so a restarted, moved or taken-over session serves them
/// again. Migration and drain: see session_registry_actor.
session_registry_actor spawn_session_registry(caf::actor_system& sys,
                                              std::shared_ptr<const session_deps> deps,
                                              cluster_store_actor store);

} // namespace boocode
