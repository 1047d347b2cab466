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
  r.add("GET", "/api/health/live", [](const http_request&, const route_params&) {
    return json_response(200, {{"status", "ok"}});
  });
  r.add(
    "GET", "/api/health/ready", [ready = info.readiness](const http_request&, const route_params&) {
      if (!ready)
        return json_response(200, protocol::readiness(true, true, true, true, false));
      bool ok = ready->ready();
      return json_response(ok ? 200 : 503, protocol::readiness(ok, ready->migrated, ready->database,
                                                               ready->in_cluster, ready->draining));
    });
}

void add_metrics_route(router& r, const metrics::registry& metrics) {
  r.add("GET", "/metrics", [&metrics](const http_request&, const route_params&) {
    http_response res;
    res.content_type = metrics::text_content_type;
    res.body = metrics.render();
    return res;
  });
}

bool is_probe_path(std::string_view path) {
  return path == "/api/health/live" || path == "/api/health/ready";
}

} // namespace boocode::net
