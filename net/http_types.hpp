#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace boocode::net {

/// An HTTP request as routes see it (no Beast types past the server).
struct http_request {
  std::string method;                                       // upper case: GET, POST, ...
  std::string target;                                       // as received: path and query
  std::string path;                                         // percent-decoded path
  std::string query;                                        // raw query string without '?'
  std::vector<std::pair<std::string, std::string>> headers; // names lower case
  std::string body;
  /// The client's IP address as the server saw it (empty in tests that build requests).
  std::string remote;
  /// Who sent it, once the access gate admitted it ("local" on an open node).
  std::string user;
  bool admin = false;

  /// The value of header `name` (lower case), if present.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct http_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// A JSON body with the given status.
http_response json_response(int status, const nlohmann::json& body);

/// The error shape every API answer uses: {"error": {"code": ..., "message": ...}}.
http_response json_error(int status, std::string_view code, std::string_view message);

/// Splits a request target into a percent-decoded path and the raw query;
/// nothing if the path's escapes are malformed or decode to a NUL byte.
std::optional<std::pair<std::string, std::string>> split_target(std::string_view target);

/// The name=value pairs of a raw query string, percent-decoded ('+' is a
/// space), in order; nothing if an escape is malformed, a NUL byte appears
/// or a name is empty.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query);

} // namespace boocode::net
