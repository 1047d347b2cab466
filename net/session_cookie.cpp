#include "net/session_cookie.hpp"

#include <charconv>

#include <fmt/format.h>

#include "net/auth_crypto.hpp"
#include "runtime/split.hpp"

namespace boocode::net {

namespace {

constexpr std::size_t key_id_chars = 16;

} // namespace

std::optional<std::string_view> cookie_value(const http_request& req, std::string_view name) {
  for (auto& [header, value] : req.headers) {
    if (header != "cookie")
      continue;
    std::string_view rest{value};
    while (!rest.empty()) {
      auto semi = rest.find(';');
      auto pair = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      while (!pair.empty() && pair.front() == ' ')
        pair.remove_prefix(1);
      auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name)
        return pair.substr(eq + 1);
    }
  }
  return std::nullopt;
}

std::string session_cookies::mac(std::string_view payload) const {
  return hmac_sha256_b64(key_, payload);
}

std::string session_cookies::issue(const user& u, std::chrono::system_clock::time_point now) const {
  auto expires =
    std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch() + lifetime_);
  auto payload =
    fmt::format("{}.{}.{}", u.name, expires.count(), u.token_sha256.substr(0, key_id_chars));
  return fmt::format("{}={}.{}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", name, payload,
                     mac(payload), lifetime_.count(), secure_ ? "; Secure" : "");
}

std::string session_cookies::clear() const {
  return fmt::format("{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{}", name,
                     secure_ ? "; Secure" : "");
}

const user* session_cookies::verify(const http_request& req, const user_table& users,
                                    std::chrono::system_clock::time_point now) const {
  auto value = cookie_value(req, name);
  if (!value)
    return nullptr;
  auto rest = *value;
  auto user_name = take_item(rest, '.');
  auto expires_text = take_item(rest, '.');
  auto key_id = take_item(rest, '.');
  auto given_mac = take_item(rest, '.');
  if (user_name.empty() || given_mac.empty() || !rest.empty())
    return nullptr;
  auto payload = value->substr(0, value->size() - given_mac.size() - 1);
  if (!equal_in_constant_time(mac(payload), given_mac))
    return nullptr;
  long long expires = 0;
  auto [end, ec] =
    std::from_chars(expires_text.data(), expires_text.data() + expires_text.size(), expires);
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (ec != std::errc{} || end != expires_text.data() + expires_text.size() || expires <= now_s)
    return nullptr;
  const user* u = users.find(user_name);
  if (u == nullptr || u->token_sha256.compare(0, key_id_chars, key_id) != 0)
    return nullptr;
  return u;
}

} // namespace boocode::net
