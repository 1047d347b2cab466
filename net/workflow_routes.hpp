#pragma once

#include "net/router.hpp"
#include "runtime/workflow/service.hpp"

namespace boocode::net {

/// The workflow API of docs/api.md on `r`, answered by `service` (which must
/// outlive the router): GET /api/workflows, POST /api/workflow-runs, GET
/// /api/workflow-runs/:id, POST /api/workflow-runs/:id/cancel and POST
/// /api/workflow-runs/:id/steps/:step/cancel.
void add_workflow_routes(router& r, workflow::workflow_service& service);

} // namespace boocode::net
