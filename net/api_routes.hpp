#pragma once

#include <functional>
#include <memory>
#include <string>

#include "net/router.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/node_readiness.hpp"
#include "runtime/protocol/records.hpp"
#include "runtime/trace/trace_queue.hpp"

namespace boocode::net {

/// What the node tells API routes about itself.
struct node_info {
  std::string node_id;
  std::string version;
  /// The trace queue's counters, shown by the health answer (none: not shown).
  std::function<trace::queue_stats()> trace_stats;
  /// Its pool, sessions and memory (none: not shown).
  std::function<protocol::node_load()> load;
  /// What readiness asks (none: always ready).
  std::shared_ptr<const node_readiness> readiness;
};

/// GET /api/health → 200 {"status":"ok","node_id":...,"version":..., "traces": ...,
/// "database": ..., "sessions": ..., "memory": ...};
/// GET /api/health/live → 200 {"status":"ok"} while the node serves;
/// GET /api/health/ready → 200 when ready, else 503, with protocol::readiness.
void add_health_routes(router& r, node_info info);

/// GET /metrics → the registry in the Prometheus text format.
void add_metrics_route(router& r, const metrics::registry& metrics);

/// Whether a path is one of the probes load balancers call without
/// credentials (live and ready: they say nothing about chats).
bool is_probe_path(std::string_view path);

} // namespace boocode::net
