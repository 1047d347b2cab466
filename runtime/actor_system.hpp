#pragma once

#include <caf/actor_system_config.hpp>

namespace boocode {

/// The CAF configuration of a node: announces BooCode's message types.
/// Built by the composition root (and by the actor-test fixture, which
/// switches the scheduler to CAF's deterministic test coordinator).
class node_actor_config : public caf::actor_system_config {
public:
  node_actor_config();
};

} // namespace boocode
