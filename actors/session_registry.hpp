#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/registry.hpp"
#include "actors/registry_slot.hpp"
#include "actors/session_deps.hpp"
#include "runtime/messages.hpp"

namespace boocode {

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
                                              cluster_store_actor store, peer_links_actor peers);

/// The same registry with the actor kinds given (tests: fake sessions).
session_registry_actor spawn_registry(caf::actor_system& sys, std::string node_id,
                                      std::shared_ptr<spdlog::logger> log,
                                      cluster_store_actor store, peer_links_actor peers,
                                      kind_table kinds, metrics::counter moved = {});

} // namespace boocode
