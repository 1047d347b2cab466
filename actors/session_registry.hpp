#pragma once

#include <memory>

#include <caf/actor_system.hpp>

#include "actors/session_deps.hpp"
#include "runtime/messages.hpp"

namespace boocode {

/// The node's registry of session actors (chat id → session), spawning a
/// session on first use and forgetting it when it ends.
session_registry_actor spawn_session_registry(caf::actor_system& sys,
                                              std::shared_ptr<const session_deps> deps);

} // namespace boocode
