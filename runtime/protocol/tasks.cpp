#include "runtime/protocol/tasks.hpp"

#include "runtime/protocol/records.hpp"

namespace boocode::protocol {

namespace {

nlohmann::json usage_json(const agent::task_usage& u) {
  return {
    {"input", u.input}, {"cached", u.cached}, {"output", u.output}, {"reasoning", u.reasoning}};
}

std::string text_of(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

} // namespace

nlohmann::json to_json(const agent::task_record& t) {
  const auto& s = t.spawn;
  return {{"id", s.id},
          {"chat_id", s.chat_id},
          {"parent_id", s.parent_actor},
          {"depth", s.depth},
          {"description", s.description},
          {"prompt", s.prompt},
          {"tools", or_null(s.tools)},
          {"model", or_null(s.model)},
          {"worktree", s.worktree},
          {"state", to_string(t.state)},
          {"result", or_null(t.result)},
          {"error", or_null(t.error)},
          {"usage", usage_json(t.usage)},
          {"cost_usd", t.cost_usd},
          {"owner_node", or_null(t.owner_node)},
          {"worktree_path", or_null(t.worktree_path)},
          {"branch", or_null(t.branch)},
          {"created_at", t.created_at},
          {"started_at", or_null(t.started_at)},
          {"ended_at", or_null(t.ended_at)}};
}

nlohmann::json task_list(const std::vector<agent::task_record>& tasks) {
  auto items = nlohmann::json::array();
  agent::task_usage sum;
  double cost = 0;
  for (const auto& t : tasks) {
    items.push_back(to_json(t));
    sum.input += t.usage.input;
    sum.cached += t.usage.cached;
    sum.output += t.usage.output;
    sum.reasoning += t.usage.reasoning;
    cost += t.cost_usd;
  }
  auto totals = usage_json(sum);
  totals["cost_usd"] = cost;
  return {{"items", std::move(items)}, {"totals", std::move(totals)}};
}

nlohmann::json stopped(int n) {
  return {{"stopped", n}};
}

std::string task_event_text(const agent::task_record& t) {
  return nlohmann::json{{"task", to_json(t)}}.dump();
}

std::string task_event_text(const chat::approval_requested& a) {
  return nlohmann::json{{"approval", to_json(a)}}.dump();
}

std::string task_event_text(const chat::approval_resolved& r) {
  return nlohmann::json{{"resolved",
                         {{"id", r.id},
                          {"decision", to_string(r.decision)},
                          {"note", r.note},
                          {"user", r.user},
                          {"task_id", r.task_id}}}}
    .dump();
}

std::optional<chat::agent_event> read_task_event(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object())
    return std::nullopt;
  if (auto t = j.find("task"); t != j.end() && t->is_object())
    return chat::task_changed{t->dump()};
  if (auto a = j.find("approval"); a != j.end() && a->is_object()) {
    chat::approval_requested r;
    r.turn = a->value("turn", 0);
    r.id = text_of(*a, "id");
    r.call_id = text_of(*a, "call_id");
    r.tool = text_of(*a, "tool");
    r.arguments = text_of(*a, "arguments");
    r.reason = text_of(*a, "reason");
    r.task_id = text_of(*a, "task_id");
    return r;
  }
  if (auto a = j.find("resolved"); a != j.end() && a->is_object()) {
    auto decision = from_name<approval_decision>(text_of(*a, "decision"));
    if (!decision)
      return std::nullopt;
    return chat::approval_resolved{text_of(*a, "id"), *decision, text_of(*a, "note"),
                                   text_of(*a, "user"), text_of(*a, "task_id")};
  }
  return std::nullopt;
}

} // namespace boocode::protocol
