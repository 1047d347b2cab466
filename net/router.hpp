#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "net/http_types.hpp"

namespace boocode::net {

/// Values captured by ":name" segments of a route pattern.
using route_params = std::map<std::string, std::string>;

/// Maps METHOD + path pattern ("/api/chats/:id") to a handler. Unknown paths
/// answer 404 JSON; a known path with another method answers 405 JSON with
/// an Allow header. Handlers run on the HTTP server's threads.
class router {
public:
  using handler = std::function<http_response(const http_request&, const route_params&)>;

  void add(std::string method, const std::string& pattern, handler h);

  http_response dispatch(const http_request& req) const;

private:
  struct route {
    std::string method;
    std::vector<std::string> segments;
    handler fn;
  };
  std::vector<route> routes_;
};

} // namespace boocode::net
