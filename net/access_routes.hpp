#pragma once

#include <functional>
#include <optional>

#include "net/access_gate.hpp"
#include "net/http_types.hpp"

namespace boocode::net {

using api_handler = std::function<http_response(const http_request&)>;

/// The API behind the gate: POST /api/login and /api/logout are the gate's,
/// GET /api/me says who is asking, and every other request reaches `api`
/// only when admitted, with its user and role set.
http_response gated(access_gate& gate, const http_request& req, const api_handler& api);

/// The WebSocket upgrade behind the gate: nothing when admitted (with the
/// request's user and role set), else the answer that refuses it.
std::optional<http_response> admit_upgrade(access_gate& gate, http_request& req);

} // namespace boocode::net
