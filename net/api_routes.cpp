#include "net/api_routes.hpp"

#include <nlohmann/json.hpp>

namespace boocode::net {

void add_health_routes(router& r, node_info info) {
  r.add("GET", "/api/health", [info](const http_request&, const route_params&) {
    nlohmann::json body{{"status", "ok"}, {"node_id", info.node_id}, {"version", info.version}};
    if (info.details)
      body.update(info.details());
    return json_response(200, body);
  });
}

} // namespace boocode::net
