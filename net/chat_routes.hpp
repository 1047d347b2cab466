#pragma once

#include "net/router.hpp"
#include "runtime/chat/service.hpp"

namespace boocode::net {

/// The chat API of docs/api.md on `r`, answered by `service` (which must
/// outlive the router).
void add_chat_routes(router& r, chat::chat_service& service);

/// Handles one client frame of a WebSocket connection (docs/protocol.md):
/// subscribe, unsubscribe, user_message, cancel, ping. Answers bad frames
/// with an `error` frame on the connection; never throws.
void handle_chat_frame(chat::chat_service& service, const std::shared_ptr<chat::frame_sink>& conn,
                       std::string_view text);

} // namespace boocode::net
