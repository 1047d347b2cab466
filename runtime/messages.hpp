#pragma once

#include <string>

#include <caf/atom.hpp>
#include <caf/typed_actor.hpp>

// Message vocabulary shared by the modules: atoms and typed actor interfaces.
// Modules talk through these handles, never through each other's classes.

namespace boocode {

using heartbeat_atom = caf::atom_constant<caf::atom("heartbeat")>;
using status_atom = caf::atom_constant<caf::atom("status")>;

/// Records node liveness in the database. Implemented in actors/node_store;
/// blocking, so spawned detached. Replies with an error (errc::storage_failure)
/// when the write fails.
using node_store_actor = caf::typed_actor<caf::replies_to<heartbeat_atom, std::string>::with<void>>;

/// How the heartbeat loop is doing, for health reports and tests.
struct heartbeat_status {
  uint64_t sent = 0;
  uint64_t failed = 0;
  uint64_t consecutive_failures = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heartbeat_status& x) {
  return f(caf::meta::type_name("heartbeat_status"), x.sent, x.failed, x.consecutive_failures);
}

/// Sends heartbeats to a node_store_actor at a fixed interval.
using heartbeat_actor = caf::typed_actor<caf::replies_to<status_atom>::with<heartbeat_status>>;

} // namespace boocode
