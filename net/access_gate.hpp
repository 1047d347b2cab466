#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <variant>

#include "net/auth_users.hpp"
#include "net/http_types.hpp"

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

/// Decides whether a request to the API or the WebSocket may pass:
/// `Authorization: Bearer TOKEN` naming a user of `users`. Without users
/// (a loopback node with neither --auth-file nor --auth-token) every request
/// passes as the admin "local". Never logs a token.
class access_gate {
public:
  explicit access_gate(std::shared_ptr<const user_source> users);

  bool open() const { return users_ == nullptr; }

  /// The sender, or the answer that refuses it: 401 (no or a wrong token;
  /// a wrong one counts as a failed login) or 429 (too many failed logins
  /// from its address).
  std::variant<identity, http_response> admit(const http_request& req);

private:
  std::shared_ptr<const user_source> users_;
  failure_limiter failures_;
};

/// The token of an `Authorization: Bearer TOKEN` header, or empty.
std::string_view bearer_token(const http_request& req);

} // namespace boocode::net
