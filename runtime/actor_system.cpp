#include "runtime/actor_system.hpp"

#include <caf/io/middleman.hpp>

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

} // namespace boocode
