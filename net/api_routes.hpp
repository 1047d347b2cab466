#pragma once

#include <functional>
#include <string>

#include "net/router.hpp"
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
};

/// GET /api/health → 200 {"status":"ok","node_id":...,"version":..., "traces": ...,
/// "database": ..., "sessions": ..., "memory": ...}.
void add_health_routes(router& r, node_info info);

} // namespace boocode::net
