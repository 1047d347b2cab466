#include "net/model_http.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace boocode::net {

std::optional<parsed_url> parse_url(std::string_view url) {
  parsed_url u;
  if (url.starts_with("https://")) {
    u.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  auto slash = url.find('/');
  auto authority = url.substr(0, slash);
  u.path = slash == std::string_view::npos ? "" : std::string(url.substr(slash));
  while (!u.path.empty() && u.path.back() == '/')
    u.path.pop_back();
  auto colon = authority.rfind(':');
  bool v6 = !authority.empty() && authority.front() == '[';
  if (colon != std::string_view::npos && (!v6 || authority[colon - 1] == ']')) {
    u.host = std::string(authority.substr(0, colon));
    u.port = std::string(authority.substr(colon + 1));
  } else {
    u.host = std::string(authority);
    u.port = u.tls ? "443" : "80";
  }
  if (v6 && u.host.size() > 2)
    u.host = u.host.substr(1, u.host.size() - 2);
  if (u.host.empty() || u.port.empty())
    return std::nullopt;
  return u;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view v) {
  if (v.empty())
    return std::nullopt;
  int secs = 0;
  for (char c : v) {
    if (c < '0' || c > '9')
      return std::nullopt; // an HTTP date: fall back to our own backoff
    secs = secs * 10 + (c - '0');
    if (secs > 3600)
      return std::nullopt;
  }
  return std::chrono::seconds(secs);
}

std::string error_message_of(const attempt_result& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  std::string detail;
  if (!j.is_discarded() && j.is_object() && j.contains("error")) {
    auto& e = j["error"];
    detail = e.is_object() && e.contains("message") && e["message"].is_string()
               ? e["message"].get<std::string>()
               : e.dump();
  } else if (!j.is_discarded() && j.is_object() && j.contains("message") &&
             j["message"].is_string()) {
    detail = j["message"].get<std::string>(); // vLLM's shape
  } else {
    detail = r.body.substr(0, 300);
  }
  return fmt::format("the model endpoint answered HTTP {}{}{}", r.status,
                     detail.empty() ? "" : ": ", detail);
}

} // namespace boocode::net
