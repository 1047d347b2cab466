#pragma once

#include <caf/actor_system.hpp>

#include "runtime/messages.hpp"

namespace boocode {

/// Spawns the actor a node publishes on its cluster port: it answers the
/// other nodes' requests from the local session registry.
node_directory_actor spawn_node_directory(caf::actor_system& sys, session_registry_actor registry);

} // namespace boocode
