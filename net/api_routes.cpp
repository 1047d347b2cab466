#include "net/api_routes.hpp"

#include "runtime/protocol/records.hpp"

namespace boocode::net {

void add_health_routes(router& r, node_info info) {
  r.add("GET", "/api/health", [info](const http_request&, const route_params&) {
    std::optional<trace::queue_stats> traces;
    if (info.trace_stats)
      traces = info.trace_stats();
    std::optional<protocol::node_load> load;
    if (info.load)
      load = info.load();
    return json_response(200, protocol::health(info.node_id, info.version, traces, load));
  });
}

} // namespace boocode::net
