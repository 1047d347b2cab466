#include "runtime/actor_system.hpp"

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/scoped_actor.hpp>

#include "runtime/messages.hpp"

namespace boocode {

node_actor_config::node_actor_config() {
  // One shared queue whose idle threads sleep until a job comes: CAF's default
  // (work stealing) polls with 50 us sleeps after every burst, which on a
  // small machine burns the cores the turns, the database and the model
  // client need, and delays a message by up to 10 ms once it relaxes. The
  // actors here are small and never block, so stealing buys nothing.
  set("scheduler.policy", caf::atom("sharing"));
  add_message_type<heartbeat_status>("heartbeat_status");
  add_message_type<peer_info>("peer_info");
  add_message_type<std::vector<peer_info>>("std::vector<peer_info>");
  add_message_type<cluster_tick>("cluster_tick");
  add_message_type<ws_client_actor>("ws_client_actor");
  add_message_type<session_actor>("session_actor");
  add_message_type<actor_live>("actor_live");
  add_message_type<std::vector<actor_live>>("std::vector<actor_live>");
  add_message_type<chat::inbox_entry>("inbox_entry");
  add_message_type<protocol::session_status>("session_status");
  add_message_type<protocol::chat_status>("chat_status");
  add_message_type<protocol::actor_state>("actor_state");
  add_message_type<protocol::actor_kind>("actor_kind");
}

node_actor_config& node_actor_config::distributed(std::chrono::milliseconds heartbeat,
                                                  std::chrono::milliseconds timeout) {
  load<caf::io::middleman>();
  set("middleman.heartbeat-interval", caf::timespan{heartbeat});
  set("middleman.connection-timeout", caf::timespan{timeout});
  return *this;
}

node_actor_config& node_actor_config::secured(const std::filesystem::path& cert,
                                              const std::filesystem::path& key,
                                              const std::filesystem::path& ca) {
  load<caf::openssl::manager>();
  // With all three set, both ends of every connection verify the other
  // (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT).
  openssl_certificate = cert.string();
  openssl_key = key.string();
  openssl_cafile = ca.string();
  return *this;
}

caf::io::middleman_actor cluster_middleman(caf::actor_system& sys) {
  if (sys.has_openssl_manager())
    return sys.openssl_manager().actor_handle();
  return sys.middleman().actor_handle();
}

caf::expected<uint16_t> publish_on_cluster(caf::actor_system& sys, caf::strong_actor_ptr whom,
                                           std::set<std::string> signatures, uint16_t port,
                                           const std::string& host) {
  caf::expected<uint16_t> out{caf::sec::runtime_error};
  caf::scoped_actor self{sys};
  self
    ->request(cluster_middleman(sys), caf::infinite, caf::publish_atom::value, port,
              std::move(whom), std::move(signatures), host, true)
    .receive([&](uint16_t bound) { out = bound; }, [&](caf::error& e) { out = std::move(e); });
  return out;
}

} // namespace boocode
