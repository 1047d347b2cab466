#pragma once

// Internal to net/: how the API's routes answer a service's result, a bad
// body, and who is asking.

#include "net/http_types.hpp"
#include "runtime/chat/service.hpp"
#include "runtime/protocol/requests.hpp"

namespace boocode::net {

inline http_response from_error(const chat::service_error& e) {
  return json_error(e.status, e.code, e.message);
}

inline http_response bad_body(const protocol::body_error& e) {
  return json_error(400, "invalid_argument", e.message);
}

/// The error of `r`, or its value rendered by `render` with `status`.
template <class T, class F>
http_response answer(chat::result<T> r, int status, F&& render) {
  if (auto* err = std::get_if<chat::service_error>(&r))
    return from_error(*err);
  return json_response(status, render(std::get<T>(r)));
}

/// The request's user: an unnamed (loopback) caller is the local admin.
inline chat::caller caller_of(const http_request& req) {
  return {req.user.empty() ? "local" : req.user, req.user.empty() || req.admin};
}

} // namespace boocode::net
