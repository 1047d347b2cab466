#include "runtime/protocol/workflows.hpp"

#include <algorithm>

#include "runtime/protocol/tasks.hpp"
#include "runtime/tools/text.hpp"

namespace boocode::protocol {

namespace {

using json = nlohmann::json;

json or_null(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

json usage_of(const agent::task_usage& u) {
  return {
    {"input", u.input}, {"cached", u.cached}, {"output", u.output}, {"reasoning", u.reasoning}};
}

} // namespace

json workflow_list(const std::vector<workflow::workflow_entry>& entries) {
  auto items = json::array();
  for (const auto& e : entries) {
    json phases = json::array();
    json item = {{"name", e.name},
                 {"origin", workflow::to_string(e.from)},
                 {"path", e.path},
                 {"source", e.source},
                 {"problem", or_null(e.problem)}};
    if (e.meta) {
      for (const auto& p : e.meta->phases)
        phases.push_back({{"title", p.title}, {"detail", or_null(p.detail)}});
      item["description"] = e.meta->description;
      item["when_to_use"] = or_null(e.meta->when_to_use);
      item["args"] = e.meta->args;
    } else {
      item["description"] = nullptr;
      item["when_to_use"] = nullptr;
      item["args"] = nullptr;
    }
    item["phases"] = std::move(phases);
    items.push_back(std::move(item));
  }
  return {{"items", std::move(items)}};
}

json run_view(const workflow::run_record& run, const std::vector<agent::task_record>& steps,
              const std::vector<workflow::journal_entry>& journal) {
  const auto& t = run.task;
  agent::task_usage total;
  double cost = 0;
  auto step_list = json::array();
  std::vector<std::string> phases;
  if (auto p = run.meta.find("phases"); p != run.meta.end() && p->is_array())
    for (const auto& ph : *p)
      if (ph.is_object() && ph.contains("title") && ph["title"].is_string())
        phases.push_back(ph["title"].get<std::string>());
  auto add_phase = [&](const std::string& title) {
    if (!title.empty() && std::find(phases.begin(), phases.end(), title) == phases.end())
      phases.push_back(title);
  };
  int64_t hits = 0;
  int64_t saved = 0;
  for (const auto& s : steps) {
    auto cache = json(nullptr);
    if (const auto& c = s.spawn.cache) {
      cache = {{"status", to_string(c->status)},
               {"reason", or_null(c->reason)},
               {"saved_tokens", c->saved},
               {"source", or_null(c->source)}};
      hits += c->status == cache_status::hit;
      saved += c->saved;
    }
    total.input += s.usage.input;
    total.cached += s.usage.cached;
    total.output += s.usage.output;
    total.reasoning += s.usage.reasoning;
    cost += s.cost_usd;
    add_phase(s.spawn.phase);
    step_list.push_back(
      {{"id", s.spawn.id},
       {"kind", s.spawn.id.starts_with("w_") ? "workflow" : "agent"},
       {"path", s.spawn.call_id},
       {"label", s.spawn.description},
       {"phase", or_null(s.spawn.phase)},
       {"state", to_string(s.state)},
       {"usage", usage_of(s.usage)},
       {"cost_usd", s.cost_usd},
       {"cached", s.spawn.cache && s.spawn.cache->status == cache_status::hit},
       {"cache", std::move(cache)},
       {"result", or_null(std::string(tools::clip_utf8(s.result, step_result_preview)))},
       {"error", or_null(s.error)},
       {"created_at", s.created_at},
       {"started_at", or_null(s.started_at)},
       {"ended_at", or_null(s.ended_at)}});
  }
  auto logs = json::array();
  for (const auto& j : journal) {
    if (j.kind == "phase")
      add_phase(j.value.is_string() ? j.value.get<std::string>() : "");
    if (j.kind == "log" || j.kind == "warning")
      logs.push_back({{"path", j.path},
                      {"level", j.kind == "log" ? "info" : "warning"},
                      {"text", j.value},
                      {"phase", or_null(j.phase)},
                      {"at", j.created_at}});
  }
  const bool own = t.spawn.chat_id == t.spawn.id;
  return {
    {"id", t.spawn.id},
    {"name", run.name},
    {"chat_id", own ? json(nullptr) : json(t.spawn.chat_id)},
    {"parent_id", t.spawn.parent_actor == t.spawn.id ? json(nullptr) : json(t.spawn.parent_actor)},
    {"workspace", run.workspace},
    {"state", to_string(t.state)},
    {"args", run.args},
    {"result", run.result},
    {"error", or_null(t.error)},
    {"budget", run.budget ? json(*run.budget) : json(nullptr)},
    {"cache", to_string(run.cache)},
    {"cache_hits", hits},
    {"saved_tokens", saved},
    {"usage", usage_of(total)},
    {"cost_usd", cost},
    {"phases", phases},
    {"steps", std::move(step_list)},
    {"logs", std::move(logs)},
    {"created_at", t.created_at},
    {"started_at", or_null(t.started_at)},
    {"ended_at", or_null(t.ended_at)}};
}

json cache_view(const std::string& workspace, int64_t entries, int64_t bytes, bool cleared) {
  return {{"workspace", workspace}, {"entries", entries}, {"bytes", bytes}, {"cleared", cleared}};
}

json cancelled(bool stopped) {
  return {{"cancelled", stopped}};
}

std::string workflow_update_frame(const json& view) {
  return json{{"type", to_string(server_frame::workflow_update)}, {"run", view}}.dump();
}

std::variant<workflow_start, body_error> read_workflow_start(std::string_view body) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return body_error{"the body must be a JSON object"};
  workflow_start s;
  auto text = [&](const char* key, std::string& out) -> std::optional<body_error> {
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
      return std::nullopt;
    if (!it->is_string())
      return body_error{std::string(key) + " must be a string"};
    out = it->get<std::string>();
    return std::nullopt;
  };
  for (auto [key, out] : {std::pair{"workspace", &s.workspace}, std::pair{"name", &s.name},
                          std::pair{"script", &s.script}, std::pair{"chat_id", &s.chat_id}})
    if (auto err = text(key, *out))
      return *err;
  if (s.name.empty() == s.script.empty())
    return body_error{"give either name (a discovered workflow) or script (its source)"};
  if (auto it = j.find("args"); it != j.end())
    s.args = *it;
  if (auto it = j.find("budget"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() <= 0)
      return body_error{"budget must be a positive whole number of tokens"};
    s.budget = it->get<int64_t>();
  }
  if (auto it = j.find("cache"); it != j.end() && !it->is_null()) {
    auto mode = it->is_string() ? from_name<cache_mode>(it->get<std::string>()) : std::nullopt;
    if (!mode)
      return body_error{"cache must be on, read, write or off"};
    s.cache = *mode;
  }
  return s;
}

} // namespace boocode::protocol
