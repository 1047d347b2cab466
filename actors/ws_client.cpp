#include "actors/ws_client.hpp"

#include <caf/all.hpp>

namespace boocode {

ws_client_actor spawn_ws_client(caf::actor_system& sys, std::shared_ptr<chat::frame_sink> sink) {
  // Weak: the HTTP server owns its connections, and a connection must not
  // outlive the server (its socket belongs to the server's io_context).
  std::weak_ptr<chat::frame_sink> weak = sink;
  return sys.spawn([weak](ws_client_actor::pointer) -> ws_client_actor::behavior_type {
    return {
      [weak](frame_atom, const std::string& frame) {
        if (auto conn = weak.lock())
          conn->send_frame(frame);
      },
      [weak](frame_atom, std::vector<std::string>& frames) {
        if (auto conn = weak.lock())
          conn->send_frames(std::move(frames));
      },
    };
  });
}

} // namespace boocode
