#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "net/auth_users.hpp"
#include "net/http_types.hpp"

namespace boocode::net {

/// Browser sessions: a cookie `boocode_session=USER.EXPIRY.KEYID.MAC` that a
/// login with a user's token sets (HttpOnly, SameSite=Strict). MAC is
/// HMAC-SHA-256 under a key every node of the cluster shares; KEYID is the
/// start of the user's token digest, so a session ends when it expires, when
/// the user's line is removed, or when their token changes.
class session_cookies {
public:
  static constexpr std::string_view name = "boocode_session";

  session_cookies(std::string key, std::chrono::seconds lifetime, bool secure)
    : key_(std::move(key)), lifetime_(lifetime), secure_(secure) {}

  /// The Set-Cookie value that starts a session for `u` at `now`.
  std::string issue(const user& u, std::chrono::system_clock::time_point now) const;
  /// The Set-Cookie value that ends the session in the browser.
  std::string clear() const;

  /// The user a valid session cookie of `req` names in `users`; nothing when
  /// there is none, or it is forged, expired or revoked.
  const user* verify(const http_request& req, const user_table& users,
                     std::chrono::system_clock::time_point now) const;

private:
  std::string mac(std::string_view payload) const;
  std::string key_;
  std::chrono::seconds lifetime_;
  bool secure_;
};

/// The value of cookie `name` in the request's Cookie header, if any.
std::optional<std::string_view> cookie_value(const http_request& req, std::string_view name);

} // namespace boocode::net
