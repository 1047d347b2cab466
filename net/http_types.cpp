#include "net/http_types.hpp"

#include <nlohmann/json.hpp>

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
  return json_response(status, {{"error", {{"code", code}, {"message", message}}}});
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

} // namespace

std::optional<std::pair<std::string, std::string>> split_target(std::string_view target) {
  auto q = target.find('?');
  auto raw_path = target.substr(0, q);
  std::string query = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
  std::string path;
  path.reserve(raw_path.size());
  for (size_t i = 0; i < raw_path.size(); ++i) {
    char c = raw_path[i];
    if (c != '%') {
      path.push_back(c);
      continue;
    }
    if (i + 2 >= raw_path.size())
      return std::nullopt;
    int hi = hex_value(raw_path[i + 1]);
    int lo = hex_value(raw_path[i + 2]);
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
      return std::nullopt;
    path.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  if (path.empty() || path.front() != '/')
    return std::nullopt;
  return std::make_pair(std::move(path), std::move(query));
}

} // namespace boocode::net
