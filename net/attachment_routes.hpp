#pragma once

#include "net/router.hpp"
#include "runtime/chat/attachments.hpp"
#include "runtime/chat/service.hpp"

namespace boocode::net {

/// The attachment routes of docs/api.md on `r`: POST
/// /api/chats/:id/attachments (multipart/form-data with a file part, or the
/// image as the raw body), GET /api/attachments/:id and
/// /api/attachments/:id/thumbnail (nosniff, a Content-Security-Policy that
/// runs nothing, only for whoever may read a chat that holds the image).
/// Both services must outlive the router.
void add_attachment_routes(router& r, chat::chat_service& chats,
                           chat::attachment_service& attachments);

/// The headers every served image carries.
void add_image_headers(http_response& res);

} // namespace boocode::net
