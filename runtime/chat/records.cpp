#include "runtime/chat/records.hpp"

#include <nlohmann/json.hpp>

namespace boocode::chat {

nlohmann::json to_json(const chat_record& c) {
  return {{"id", c.id},
          {"workspace", c.workspace},
          {"title", c.title},
          {"build_command", c.build_command ? nlohmann::json(*c.build_command) : nlohmann::json()},
          {"created_at", c.created_at},
          {"archived", c.archived},
          {"turns", c.turns}};
}

nlohmann::json to_json(const timeline_turn& t) {
  auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
  nlohmann::json j{{"turn", t.turn},
                   {"started_at", t.started_at},
                   {"finished_at", opt(t.finished_at)},
                   {"duration_ms", opt(t.duration_ms)},
                   {"outcome", t.outcome},
                   {"usage", model::to_json(t.usage)},
                   {"model_calls", t.model_calls},
                   {"tool_calls", t.tool_calls},
                   {"first_message_id", opt(t.first_message_id)},
                   {"preview", t.preview}};
  if (!t.error.empty())
    j["error"] = t.error;
  return j;
}

nlohmann::json to_json(const message_record& m) {
  nlohmann::json j{{"id", m.id},
                   {"role", m.role},
                   {"content", m.content},
                   {"turn", m.turn ? nlohmann::json(*m.turn) : nlohmann::json()},
                   {"created_at", m.created_at}};
  if (m.role == "assistant") {
    j["reasoning"] = m.reasoning;
    auto calls = nlohmann::json::array();
    for (auto& c : m.tool_calls)
      calls.push_back({{"id", c.id}, {"name", c.name}, {"arguments", c.arguments}});
    j["tool_calls"] = std::move(calls);
    if (m.usage)
      j["usage"] = model::to_json(*m.usage);
  } else if (m.role == "tool") {
    j["tool_call_id"] = m.tool_call_id;
    j["tool_name"] = m.tool_name;
    j["outcome"] = m.outcome;
    j["exit_code"] = m.exit_code ? nlohmann::json(*m.exit_code) : nlohmann::json();
    j["duration_ms"] = m.duration_ms ? nlohmann::json(*m.duration_ms) : nlohmann::json();
  } else if (!m.client_id.empty()) {
    j["client_id"] = m.client_id;
  }
  return j;
}

nlohmann::json to_json(const chat_view& v) {
  auto j = to_json(v.chat);
  j["status"] = v.status;
  auto msgs = nlohmann::json::array();
  for (auto& m : v.messages)
    msgs.push_back(to_json(m));
  j["messages"] = std::move(msgs);
  return j;
}

model::chat_message to_model_message(const message_record& m) {
  model::chat_message out;
  out.role = m.role;
  out.content = m.content;
  if (m.role == "assistant")
    out.tool_calls = m.tool_calls;
  if (m.role == "tool")
    out.tool_call_id = m.tool_call_id;
  return out;
}

} // namespace boocode::chat
