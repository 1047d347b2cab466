#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>
#include <caf/io/middleman_actor.hpp>

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

  /// Also loads CAF's OpenSSL module, so the cluster port speaks mutual TLS:
  /// this node presents `cert` (with `key`) and accepts, and connects to,
  /// only peers whose certificate `ca` signed. CAF reads the files again for
  /// every connection: replace them whole (rename), never in place.
  node_actor_config& secured(const std::filesystem::path& cert, const std::filesystem::path& key,
                             const std::filesystem::path& ca);
};

/// The middleman actor that dials and publishes on the cluster port: CAF's
/// OpenSSL one when the system was secured, else the plain one.
caf::io::middleman_actor cluster_middleman(caf::actor_system& sys);

/// Publishes `whom` on the cluster port (through cluster_middleman, so over
/// TLS when secured) and returns the bound port.
caf::expected<uint16_t> publish_on_cluster(caf::actor_system& sys, caf::strong_actor_ptr whom,
                                           std::set<std::string> signatures, uint16_t port,
                                           const std::string& host);

template <class Handle>
caf::expected<uint16_t> publish_on_cluster(caf::actor_system& sys, const Handle& whom,
                                           uint16_t port, const std::string& host) {
  return publish_on_cluster(sys, caf::actor_cast<caf::strong_actor_ptr>(whom),
                            sys.message_types(whom), port, host);
}

} // namespace boocode
