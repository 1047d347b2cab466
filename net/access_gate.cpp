#include "net/access_gate.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "runtime/protocol/records.hpp"
#include "runtime/protocol/requests.hpp"

namespace boocode::net {

namespace {

constexpr std::size_t max_tracked_addresses = 100000;

http_response unauthorized(std::string_view message) {
  auto res = json_error(401, "unauthorized", message);
  res.headers.emplace_back("WWW-Authenticate", "Bearer");
  return res;
}

/// The host of a Host header, without its port ("[::1]:8080" → "::1").
std::string_view host_name(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(1, close - 1);
  }
  return host.substr(0, host.rfind(':') == std::string_view::npos ? host.size() : host.rfind(':'));
}

bool is_loopback_name(std::string_view host) {
  auto name = host_name(host);
  return name == "localhost" || name == "::1" || name.rfind("127.", 0) == 0;
}

} // namespace

long failure_limiter::blocked_for(const std::string& address) {
  std::lock_guard guard{mtx_};
  auto it = entries_.find(address);
  if (it == entries_.end())
    return 0;
  auto left = it->second.since + window_ - std::chrono::steady_clock::now();
  if (left <= std::chrono::steady_clock::duration::zero()) {
    entries_.erase(it);
    return 0;
  }
  if (it->second.failures < max_)
    return 0;
  return std::chrono::ceil<std::chrono::seconds>(left).count();
}

void failure_limiter::failed(const std::string& address) {
  std::lock_guard guard{mtx_};
  auto now = std::chrono::steady_clock::now();
  if (entries_.size() >= max_tracked_addresses)
    std::erase_if(entries_, [&](const auto& e) { return e.second.since + window_ <= now; });
  auto& e = entries_[address];
  if (e.failures == 0 || e.since + window_ <= now)
    e = {0, now};
  ++e.failures;
}

std::string_view bearer_token(const http_request& req) {
  auto value = req.header("authorization");
  if (!value || value->size() < 7)
    return {};
  auto scheme = value->substr(0, 7);
  if (scheme != "Bearer " && scheme != "bearer ")
    return {};
  auto token = value->substr(7);
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  return token;
}

bool changes_state(const http_request& req) {
  return req.path == "/ws" || (req.method != "GET" && req.method != "HEAD");
}

access_gate::access_gate(access_options opts) : opts_(std::move(opts)) {}

std::optional<http_response> access_gate::check_origin(const http_request& req,
                                                       bool required) const {
  auto origin = req.header("origin");
  if (!origin)
    return required ? std::optional(json_error(403, "forbidden_origin",
                                               "a request that uses a session cookie must "
                                               "carry an Origin header"))
                    : std::nullopt;
  auto host = req.header("host").value_or("");
  bool own = !host.empty() && (*origin == fmt::format("http://{}", host) ||
                               *origin == fmt::format("https://{}", host));
  bool listed = std::find(opts_.allowed_origins.begin(), opts_.allowed_origins.end(), *origin) !=
                opts_.allowed_origins.end();
  if (own || listed)
    return std::nullopt;
  return json_error(403, "forbidden_origin",
                    fmt::format("requests from {} may not change anything here (allow it with "
                                "--allowed-origin)",
                                *origin));
}

std::string access_gate::client_address(const http_request& req) const {
  auto trusted = [&](std::string_view a) {
    return std::find(opts_.trusted_proxies.begin(), opts_.trusted_proxies.end(), a) !=
           opts_.trusted_proxies.end();
  };
  auto forwarded = req.header("x-forwarded-for");
  if (!forwarded || !trusted(req.remote))
    return req.remote;
  // Each proxy appends the address it got the request from: read from the right.
  std::string_view rest = *forwarded;
  while (!rest.empty()) {
    auto comma = rest.rfind(',');
    auto hop = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
    while (!hop.empty() && hop.front() == ' ')
      hop.remove_prefix(1);
    while (!hop.empty() && hop.back() == ' ')
      hop.remove_suffix(1);
    if (!hop.empty() && !trusted(hop))
      return std::string(hop);
  }
  return req.remote;
}

std::optional<http_response> access_gate::check_blocked(const http_request& req) {
  auto client = client_address(req);
  auto wait = failures_.blocked_for(client);
  if (wait <= 0)
    return std::nullopt;
  auto res =
    json_error(429, "too_many_failures",
               fmt::format("too many failed logins from {}; try again in {} s", client, wait));
  res.headers.emplace_back("Retry-After", std::to_string(wait));
  return res;
}

std::variant<identity, http_response> access_gate::admit(const http_request& req) {
  bool changing = changes_state(req);
  if (changing)
    if (auto refused = check_origin(req, false))
      return *refused;
  if (!opts_.users) {
    if (!is_loopback_name(req.header("host").value_or("localhost")))
      return json_error(403, "forbidden_host",
                        "this node has no users and answers only to a loopback host name");
    return identity{"local", user_role::admin};
  }
  if (auto refused = check_blocked(req))
    return *refused;
  auto table = opts_.users->current();
  if (auto token = bearer_token(req); !token.empty()) {
    if (const user* u = table->authenticate(token))
      return identity{u->name, u->role};
    failures_.failed(client_address(req));
    return unauthorized("the token is not valid");
  }
  if (opts_.cookies) {
    if (const user* u = opts_.cookies->verify(req, *table, std::chrono::system_clock::now())) {
      if (changing)
        if (auto refused = check_origin(req, true))
          return *refused;
      return identity{u->name, u->role};
    }
    if (cookie_value(req, session_cookies::name))
      return unauthorized("the session has ended: log in again");
  }
  return unauthorized("this node needs a token: log in, or send Authorization: Bearer TOKEN");
}

http_response access_gate::login(const http_request& req) {
  if (auto refused = check_origin(req, false))
    return *refused;
  if (!opts_.users)
    return json_response(200, protocol::who("local", user_role::admin, true));
  if (auto refused = check_blocked(req))
    return *refused;
  auto token = protocol::read_login(req.body);
  if (auto* err = std::get_if<protocol::body_error>(&token))
    return json_error(400, "bad_request", err->message);
  auto table = opts_.users->current();
  const user* u = table->authenticate(std::get<std::string>(token));
  if (u == nullptr) {
    failures_.failed(client_address(req));
    return unauthorized("the token is not valid");
  }
  auto res = json_response(200, protocol::who(u->name, u->role, false));
  if (opts_.cookies)
    res.headers.emplace_back("Set-Cookie",
                             opts_.cookies->issue(*u, std::chrono::system_clock::now()));
  return res;
}

http_response access_gate::logout(const http_request& req) {
  if (auto refused = check_origin(req, false))
    return *refused;
  http_response res{204, "application/json", "", {}};
  if (opts_.cookies)
    res.headers.emplace_back("Set-Cookie", opts_.cookies->clear());
  return res;
}

} // namespace boocode::net
