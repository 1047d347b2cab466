#include "net/access_gate.hpp"

#include <fmt/format.h>

namespace boocode::net {

namespace {

constexpr std::size_t max_tracked_addresses = 100000;

http_response unauthorized(std::string_view message) {
  auto res = json_error(401, "unauthorized", message);
  res.headers.emplace_back("WWW-Authenticate", "Bearer");
  return res;
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

access_gate::access_gate(std::shared_ptr<const user_source> users) : users_(std::move(users)) {}

std::variant<identity, http_response> access_gate::admit(const http_request& req) {
  if (!users_)
    return identity{"local", user_role::admin};
  if (auto wait = failures_.blocked_for(req.remote); wait > 0) {
    auto res = json_error(
      429, "too_many_failures",
      fmt::format("too many failed logins from {}; try again in {} s", req.remote, wait));
    res.headers.emplace_back("Retry-After", std::to_string(wait));
    return res;
  }
  auto token = bearer_token(req);
  if (token.empty())
    return unauthorized("this node needs a token: send Authorization: Bearer TOKEN");
  auto table = users_->current();
  if (const user* u = table->authenticate(token))
    return identity{u->name, u->role};
  failures_.failed(req.remote);
  return unauthorized("the token is not valid");
}

} // namespace boocode::net
