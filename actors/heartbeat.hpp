#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <spdlog/logger.h>

#include "runtime/messages.hpp"

namespace boocode {

/// Plain bookkeeping of the heartbeat loop, testable without actors.
struct heartbeat_state {
  heartbeat_status status;
  /// Records one outcome; returns true when the caller should log it
  /// (the first failure of a run of failures, or the recovery after one).
  bool record(bool ok);
};

struct heartbeat_options {
  std::string node_id;
  std::chrono::milliseconds interval{1000};
  std::shared_ptr<spdlog::logger> log;
};

/// Spawns the actor that tells `store` every `interval` that this node is
/// alive. A failing store does not stop it: failures are counted and
/// logged, and the next tick tries again. Sends its first heartbeat at once.
heartbeat_actor spawn_heartbeat(caf::actor_system& sys, node_store_actor store,
                                heartbeat_options opts);

} // namespace boocode
