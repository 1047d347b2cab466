#include "runtime/agent/cache_watch.hpp"

#include <algorithm>

#include "runtime/agent/turn_io.hpp"
#include "runtime/trace/trace.hpp"

namespace boocode::agent {

namespace {

/// How many leading messages two calls share.
size_t shared_messages(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  auto n = std::min(a.size(), b.size());
  return static_cast<size_t>(
    std::mismatch(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n), b.begin()).first -
    a.begin());
}

} // namespace

void cache_watch::before(std::string model, const model::model_request& req,
                         std::chrono::seconds ttl) {
  if (!memory_.last && !memory_.looked_up) {
    memory_.looked_up = true;
    memory_.last = io_.last_model_call();
  }
  ttl_ = ttl;
  started_us_ = trace::now_us();
  // An agent's tools stay the same from call to call: split them again
  // only when their text changes.
  auto tools_key = model::hash_bytes(req.tools_json);
  if (tools_key != tools_key_ || req.tools_json.size() != tools_size_) {
    tools_ = model::hash_tools(req.tools_json);
    tools_key_ = tools_key;
    tools_size_ = req.tools_json.size();
  }
  call_ = model::fingerprint_of(std::move(model), req, tools_);
  auto history =
    memory_.last ? shared_messages(memory_.last->fingerprint.messages, call_.messages) : size_t{0};
  report_ = {};
  report_.shape = model::shape_of(req, history, tools_);
}

const model::cache_report* cache_watch::after(const model::model_result& result,
                                              std::string_view trace_id) {
  const auto* reply = std::get_if<model::model_reply>(&result);
  if (reply == nullptr)
    return nullptr;
  const auto& u = reply->usage;
  model::place_cached(report_.shape, u);
  if (prices_ != nullptr) {
    auto p = prices_->of(call_.model);
    report_.cost_usd = p.cost(u);
    report_.saved_usd = static_cast<double>(u.cache_hit) * std::max(0.0, p.input - p.cached) / 1e6;
  }
  if (memory_.last)
    report_.broke = model::find_break(*memory_.last, call_, u.cache_hit, started_us_, ttl_);
  report_.message_hashes = call_.messages;
  memory_.last =
    model::prior_call{std::move(call_), u.cache_hit, trace::now_us(), std::string(trace_id), {}};
  return &report_;
}

} // namespace boocode::agent
