#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <spdlog/logger.h>

#include "runtime/messages.hpp"

namespace boocode {

/// Whether this node (`me`) opens the connection to `peer`, or waits for
/// `peer` to open it: of each pair the node whose id sorts first dials. Two
/// nodes must never hold two connections to each other: CAF's BASP keeps one
/// and closes the other, and over its TLS transport that close takes the kept
/// one down too, so crossing dials would flap the link for ever.
bool dials_peer(const std::string& me, const std::string& peer);

struct peer_links_options {
  std::string node_id;
  /// How long a `connect` waits for a peer that dials this node (its cluster
  /// monitor does at its next beat) before it fails; the next one waits again.
  std::chrono::milliseconds wait_for_peer{3000};
  /// How long one dial may take (TCP, TLS and CAF's handshake).
  std::chrono::milliseconds dial_timeout{5000};
  std::shared_ptr<spdlog::logger> log;
};

/// Spawns the node's links to the other nodes' directories: one connection
/// per pair of nodes, opened by the node that dials (dials_peer), which then
/// introduces its own directory over it; the other node answers `connect`
/// from that introduction, or with sec::cannot_connect_to_node when none came within
/// `wait_for_peer` (it never dials: two dials could cross). A link is
/// forgotten when its directory goes down (the connection broke, or the node
/// stopped); the next `connect` makes a new one. Every node-to-node call
/// (routing, the cluster monitor, the admin port) gets its directory here.
peer_links_actor spawn_peer_links(caf::actor_system& sys, peer_links_options opts);

} // namespace boocode
