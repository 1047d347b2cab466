#pragma once

#include <chrono>

#include <caf/actor_system_config.hpp>

namespace boocode {

/// The CAF configuration of a node: announces BooCode's message types (every
/// type that crosses to another node). Built by the composition root (and by
/// the actor-test fixture, which switches the scheduler to CAF's
/// deterministic test coordinator).
class node_actor_config : public caf::actor_system_config {
public:
  node_actor_config();

  /// Loads CAF's io module (the middleman) so the node can publish actors and
  /// reach other nodes' actors. The middleman heartbeats every
  /// `heartbeat`, and drops a connection silent for `timeout` (a hung
  /// peer's socket stays open otherwise).
  node_actor_config& distributed(std::chrono::milliseconds heartbeat,
                                 std::chrono::milliseconds timeout);
};

} // namespace boocode
