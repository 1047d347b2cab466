#pragma once

#include <string>

#include <caf/actor_system.hpp>

#include "runtime/messages.hpp"

namespace boocode {

/// Spawns the actor that writes node liveness to the nodes table. Its calls
/// block on PostgreSQL, so it runs detached (its own thread), off the
/// scheduler. Failures come back as errc::storage_failure.
node_store_actor spawn_node_store(caf::actor_system& sys, std::string conninfo);

} // namespace boocode
