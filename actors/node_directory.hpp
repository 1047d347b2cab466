#pragma once

#include <functional>

#include <caf/actor_system.hpp>

#include "runtime/messages.hpp"

namespace boocode {

/// Spawns the actor a node publishes on its cluster port: it answers the
/// other nodes' (and the admin port's) requests from the local session
/// registry. After a `drain` it calls `on_drained` (the node stops).
node_directory_actor spawn_node_directory(caf::actor_system& sys, session_registry_actor registry,
                                          std::function<void()> on_drained = {});

} // namespace boocode
