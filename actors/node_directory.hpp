#pragma once

#include <functional>

#include <caf/actor_system.hpp>

#include "runtime/messages.hpp"

namespace boocode {

/// Spawns the actor a node publishes on its cluster port: it answers the
/// other nodes' (and the admin port's) requests from the local session
/// registry. A `drain` calls `on_draining` as it starts (the node stops
/// being ready) and `on_drained` once done (the node stops). It
/// joins `peers` (which introduce it to the nodes they dial) and hands them
/// the introductions of the nodes that dial this one.
node_directory_actor spawn_node_directory(caf::actor_system& sys, session_registry_actor registry,
                                          peer_links_actor peers,
                                          std::function<void()> on_drained = {},
                                          std::function<void()> on_draining = {});

} // namespace boocode
