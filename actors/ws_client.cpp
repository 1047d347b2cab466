#include "actors/ws_client.hpp"

#include <caf/all.hpp>

namespace boocode {

ws_client_actor spawn_ws_client(caf::actor_system& sys, std::shared_ptr<chat::frame_sink> sink) {
  return sys.spawn([sink](ws_client_actor::pointer) -> ws_client_actor::behavior_type {
    return {[sink](frame_atom, const std::string& frame) { sink->send_frame(frame); }};
  });
}

} // namespace boocode
