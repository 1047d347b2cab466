#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "net/auth_users.hpp"
#include "net/http_types.hpp"
#include "net/session_cookie.hpp"

namespace boocode::net {

/// Who sent a request.
struct identity {
  std::string user;
  user_role role = user_role::user;
};

/// Counts failed logins per client address and refuses an address that
/// failed too often within a window, until the window ends. Thread-safe.
class failure_limiter {
public:
  explicit failure_limiter(int max_failures = 10,
                           std::chrono::seconds window = std::chrono::seconds(60))
    : max_(max_failures), window_(window) {}

  /// Seconds until `address` may try again; 0 when it may now.
  long blocked_for(const std::string& address);
  void failed(const std::string& address);

private:
  struct entry {
    int failures = 0;
    std::chrono::steady_clock::time_point since;
  };
  int max_;
  std::chrono::seconds window_;
  std::mutex mtx_;
  std::unordered_map<std::string, entry> entries_;
};

/// What the gate is told at start.
struct access_options {
  /// The node's users; null: open (a loopback node without users).
  std::shared_ptr<const user_source> users;
  /// Signs browser sessions; null: bearer tokens only.
  std::shared_ptr<const session_cookies> cookies;
  /// Origins besides the node's own (the scheme and Host a request names)
  /// whose pages may change state or open a WebSocket: "https://app.example".
  std::vector<std::string> allowed_origins;
  /// Addresses of reverse proxies whose X-Forwarded-For names the client.
  std::vector<std::string> trusted_proxies;
};

/// Decides whether a request to the API or the WebSocket may pass, and
/// answers the session routes (login, logout, me). A request is admitted by
/// `Authorization: Bearer TOKEN`, or by a session cookie; one that changes
/// state (any method but GET and HEAD) or opens a WebSocket must come from an
/// allowed origin when it names one, and must name one when a cookie admits
/// it, so another site cannot act with a user's cookie. An open node admits
/// everyone as the admin "local", but only under a loopback Host name (a
/// page of another site rebound to 127.0.0.1 is refused). Never logs a token.
class access_gate {
public:
  explicit access_gate(access_options opts);

  bool open() const { return !opts_.users; }

  /// The sender, or the answer that refuses it: 401 (no or a wrong token or
  /// session; a wrong token counts as a failed login), 403 (a foreign
  /// origin or host) or 429 (too many failed logins from its address).
  std::variant<identity, http_response> admit(const http_request& req);

  /// POST /api/login {"token"}: the user, with a session cookie.
  http_response login(const http_request& req);
  /// POST /api/logout: 204, and the cookie cleared.
  http_response logout(const http_request& req);

  /// The client's address: the connection's peer, or, when that is a trusted
  /// proxy, the last address of X-Forwarded-For that is not one.
  std::string client_address(const http_request& req) const;

private:
  std::optional<http_response> check_origin(const http_request& req, bool required) const;
  std::optional<http_response> check_blocked(const http_request& req);

  access_options opts_;
  failure_limiter failures_;
};

/// The token of an `Authorization: Bearer TOKEN` header, or empty.
std::string_view bearer_token(const http_request& req);

/// Whether a request changes state or opens a WebSocket (not GET or HEAD of
/// an API route).
bool changes_state(const http_request& req);

} // namespace boocode::net
