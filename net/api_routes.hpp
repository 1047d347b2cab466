#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "net/router.hpp"

namespace boocode::net {

/// What the node tells API routes about itself.
struct node_info {
  std::string node_id;
  std::string version;
  /// Extra members of the health answer (e.g. "traces": the trace queue's counters).
  std::function<nlohmann::json()> details;
};

/// GET /api/health → 200 {"status":"ok","node_id":...,"version":..., details...}.
void add_health_routes(router& r, node_info info);

} // namespace boocode::net
