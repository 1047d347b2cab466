#include "net/router.hpp"

#include <fmt/format.h>

namespace boocode::net {

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    auto j = path.find('/', i);
    if (j == std::string_view::npos)
      j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool match(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
           route_params& params) {
  if (pattern.size() != path.size())
    return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (!pattern[i].empty() && pattern[i][0] == ':')
      params[pattern[i].substr(1)] = path[i];
    else if (pattern[i] != path[i])
      return false;
  }
  return true;
}

} // namespace

void router::add(std::string method, const std::string& pattern, handler h) {
  routes_.push_back(route{std::move(method), split_path(pattern), std::move(h)});
}

http_response router::dispatch(const http_request& req) const {
  auto segments = split_path(req.path);
  std::string allowed;
  for (auto& r : routes_) {
    route_params params;
    if (!match(r.segments, segments, params))
      continue;
    if (r.method == req.method)
      return r.fn(req, params);
    allowed += allowed.empty() ? r.method : ", " + r.method;
  }
  if (!allowed.empty()) {
    auto res = json_error(405, "method_not_allowed",
                          fmt::format("{} is not allowed on {}", req.method, req.path));
    res.headers.emplace_back("Allow", allowed);
    return res;
  }
  return json_error(404, "not_found", fmt::format("no route {} {}", req.method, req.path));
}

} // namespace boocode::net
