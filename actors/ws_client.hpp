#pragma once

#include <memory>

#include <caf/actor_system.hpp>

#include "runtime/chat/service.hpp"
#include "runtime/messages.hpp"

namespace boocode {

/// The actor of one browser connection: sessions send it frames, it writes
/// them to the WebSocket. Ends when told to (the connection closed).
ws_client_actor spawn_ws_client(caf::actor_system& sys, std::shared_ptr<chat::frame_sink> sink);

} // namespace boocode
