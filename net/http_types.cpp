#include "net/http_types.hpp"

#include <nlohmann/json.hpp>

#include "runtime/protocol/records.hpp"

namespace boocode::net {

std::optional<std::string_view> http_request::header(std::string_view name) const {
  for (auto& [k, v] : headers)
    if (k == name)
      return std::string_view{v};
  return std::nullopt;
}

http_response json_response(int status, const nlohmann::json& body) {
  return http_response{status,
                       "application/json",
                       body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                       {}};
}

http_response json_error(int status, std::string_view code, std::string_view message) {
  return json_response(status, protocol::error_body(code, message));
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// Percent-decodes `raw` ('+' as a space when `plus_is_space`); nothing for
/// a malformed escape or a NUL byte.
std::optional<std::string> percent_decode(std::string_view raw, bool plus_is_space) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
      continue;
    }
    if (c != '%') {
      if (c == '\0')
        return std::nullopt;
      out.push_back(c);
      continue;
    }
    if (i + 2 >= raw.size())
      return std::nullopt;
    int hi = hex_value(raw[i + 1]);
    int lo = hex_value(raw[i + 2]);
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
      return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

} // namespace

std::optional<std::pair<std::string, std::string>> split_target(std::string_view target) {
  auto q = target.find('?');
  std::string query = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
  auto path = percent_decode(target.substr(0, q), false);
  if (!path || path->empty() || path->front() != '/')
    return std::nullopt;
  return std::make_pair(std::move(*path), std::move(query));
}

std::optional<std::vector<std::pair<std::string, std::string>>>
parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty())
      continue;
    auto eq = part.find('=');
    auto name = percent_decode(part.substr(0, eq), true);
    auto value =
      percent_decode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1), true);
    if (!name || !value || name->empty())
      return std::nullopt;
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

} // namespace boocode::net
