#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <spdlog/logger.h>

#include "runtime/messages.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/node_readiness.hpp"

namespace boocode {

/// Plain bookkeeping of the heartbeat loop, testable without actors.
struct heartbeat_state {
  heartbeat_status status;
  /// Records one outcome; returns true when the caller should log it
  /// (the first failure of a run of failures, or the recovery after one).
  bool record(bool ok);
};

/// What the monitor asks of the cluster store (a cluster_store_actor).
using membership_store_actor =
  caf::typed_actor<caf::replies_to<heartbeat_atom>::with<cluster_tick>,
                   caf::replies_to<confirm_atom, std::string>::with<bool>,
                   caf::replies_to<join_atom>::with<bool>>;

/// What the monitor asks of the session registry (a session_registry_actor).
using takeover_actor = caf::typed_actor<caf::reacts_to<resume_atom, std::vector<std::string>>,
                                        caf::replies_to<reset_atom>::with<bool>>;

struct cluster_monitor_options {
  std::string node_id;
  std::chrono::milliseconds interval{1000};
  /// The node's links to the other nodes, through which it watches them
  /// (none: a node of its own, without CAF's middleman).
  peer_links_actor peers;
  std::shared_ptr<spdlog::logger> log;
  /// Counts the chats it takes over; the cluster's nodes by state, this
  /// one included, as of its last heartbeat.
  metrics::counter takeovers;
  metrics::gauge_family nodes;
  /// Told whether each heartbeat reached the database and found the node
  /// still a member (null: nobody asks).
  std::shared_ptr<node_readiness> readiness;
};

/// Spawns the actor that keeps this node in its cluster. Every `interval` it
/// has `store` heartbeat (which also declares lapsed nodes dead and takes over
/// this node's share of their chats) and tells `registry` to resume the chats
/// with work it took over; a failing store does not stop it. It connects to
/// every other live node's directory; when CAF reports one lost, it asks the
/// store to confirm the node dead at once (retrying briefly), then claims.
/// When the store says this node was declared dead, it has the registry stop
/// every local session and registers the node again, empty. Beats at once.
cluster_monitor_actor spawn_cluster_monitor(caf::actor_system& sys, membership_store_actor store,
                                            takeover_actor registry, cluster_monitor_options opts);

} // namespace boocode
