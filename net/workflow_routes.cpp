#include "net/workflow_routes.hpp"

#include "net/route_answers.hpp"
#include "runtime/protocol/tasks.hpp"
#include "runtime/protocol/workflows.hpp"

namespace boocode::net {

namespace {

using nlohmann::json;

json view(const workflow::run_snapshot& s) {
  return protocol::run_view(s.run, s.steps, s.journal);
}

/// ?workspace=/path, required.
std::variant<std::string, http_response> workspace_of(const http_request& req) {
  auto params = parse_query(req.query);
  if (!params)
    return json_error(400, "invalid_argument", "the query string is malformed");
  for (const auto& [key, value] : *params)
    if (key == "workspace" && !value.empty())
      return value;
  return json_error(400, "invalid_argument", "workspace is required: ?workspace=/path");
}

http_response list(workflow::workflow_service& s, const http_request& req) {
  auto ws = workspace_of(req);
  if (auto* err = std::get_if<http_response>(&ws))
    return std::move(*err);
  return answer(s.list(std::get<std::string>(ws)), 200, protocol::workflow_list);
}

http_response start(workflow::workflow_service& s, const http_request& req) {
  auto body = protocol::read_workflow_start(req.body);
  if (auto* err = std::get_if<protocol::body_error>(&body))
    return bad_body(*err);
  return answer(s.start(std::get<protocol::workflow_start>(body), caller_of(req)), 201, view);
}

http_response cache(workflow::workflow_service& s, const http_request& req, bool clear) {
  auto ws = workspace_of(req);
  if (auto* err = std::get_if<http_response>(&ws))
    return std::move(*err);
  const auto& path = std::get<std::string>(ws);
  return answer(clear ? s.clear_cache(path) : s.cache(path), 200,
                [clear](const workflow::cache_totals& t) {
                  return protocol::cache_view(t.workspace, t.entries, t.bytes, clear);
                });
}

} // namespace

void add_workflow_routes(router& r, workflow::workflow_service& s) {
  r.add("GET", "/api/workflows",
        [&s](const http_request& req, const route_params&) { return list(s, req); });
  r.add("POST", "/api/workflow-runs",
        [&s](const http_request& req, const route_params&) { return start(s, req); });
  r.add("GET", "/api/workspaces/cache",
        [&s](const http_request& req, const route_params&) { return cache(s, req, false); });
  r.add("DELETE", "/api/workspaces/cache",
        [&s](const http_request& req, const route_params&) { return cache(s, req, true); });
  r.add("GET", "/api/workflow-runs/:id", [&s](const http_request& req, const route_params& p) {
    return answer(s.get(p.at("id"), caller_of(req)), 200, view);
  });
  r.add("POST", "/api/workflow-runs/:id/cancel",
        [&s](const http_request& req, const route_params& p) {
          return answer(s.cancel(p.at("id"), caller_of(req)), 200, protocol::cancelled);
        });
  r.add("POST", "/api/workflow-runs/:id/steps/:step/cancel",
        [&s](const http_request& req, const route_params& p) {
          return answer(s.cancel_step(p.at("id"), p.at("step"), caller_of(req)), 200,
                        protocol::stopped);
        });
}

} // namespace boocode::net
