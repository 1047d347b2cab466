#include "runtime/actor_system.hpp"

#include "runtime/messages.hpp"

namespace boocode {

node_actor_config::node_actor_config() {
  add_message_type<heartbeat_status>("heartbeat_status");
}

} // namespace boocode
