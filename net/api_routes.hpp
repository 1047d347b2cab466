#pragma once

#include <string>

#include "net/router.hpp"

namespace boocode::net {

/// What the node tells API routes about itself.
struct node_info {
  std::string node_id;
  std::string version;
};

/// GET /api/health → 200 {"status":"ok","node_id":...,"version":...}.
void add_health_routes(router& r, node_info info);

} // namespace boocode::net
