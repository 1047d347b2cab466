#include "net/access_routes.hpp"

#include <nlohmann/json.hpp>

#include "net/api_routes.hpp"
#include "runtime/protocol/records.hpp"

namespace boocode::net {

http_response gated(access_gate& gate, const http_request& req, const api_handler& api) {
  if (req.path == "/api/login" || req.path == "/api/logout") {
    if (req.method != "POST") {
      auto res =
        json_error(405, "method_not_allowed", req.method + " is not allowed on " + req.path);
      res.headers.emplace_back("Allow", "POST");
      return res;
    }
    return req.path == "/api/login" ? gate.login(req) : gate.logout(req);
  }
  if (is_probe_path(req.path))
    return api(req); // load balancers' probes carry no credentials
  auto who = gate.admit(req);
  if (auto* refused = std::get_if<http_response>(&who))
    return std::move(*refused);
  auto& id = std::get<identity>(who);
  if (req.path == "/api/me" && req.method == "GET")
    return json_response(200, protocol::who(id.user, id.role, gate.open()));
  auto admitted = req;
  admitted.user = id.user;
  admitted.admin = id.role == user_role::admin;
  return api(admitted);
}

std::optional<http_response> admit_upgrade(access_gate& gate, http_request& req) {
  auto who = gate.admit(req);
  if (auto* refused = std::get_if<http_response>(&who))
    return std::move(*refused);
  auto& id = std::get<identity>(who);
  req.user = id.user;
  req.admin = id.role == user_role::admin;
  return std::nullopt;
}

} // namespace boocode::net
