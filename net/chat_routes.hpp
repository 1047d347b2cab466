#pragma once

#include <filesystem>
#include <vector>

#include "net/router.hpp"
#include "runtime/chat/service.hpp"

namespace boocode::net {

/// The chat API of docs/api.md on `r`, answered by `service` (which must
/// outlive the router). Each route on one chat answers 404 unless the
/// request's user may reach it; a user lists only their own chats.
/// With `workspace_roots`, chats open only on folders inside one of them.
/// A message carries at most `max_images` attachments.
void add_chat_routes(router& r, chat::chat_service& service,
                     std::vector<std::filesystem::path> workspace_roots = {},
                     size_t max_images = 10);

/// Handles one client frame of a WebSocket connection (docs/protocol.md):
/// subscribe, unsubscribe, user_message, cancel, ping. Answers bad frames
/// with an `error` frame on the connection; never throws. `who` is the
/// connection's user: a chat they may not reach is `not_found`.
void handle_chat_frame(chat::chat_service& service, const std::shared_ptr<chat::frame_sink>& conn,
                       std::string_view text, const chat::caller& who = {}, size_t max_images = 10);

} // namespace boocode::net
