#include "runtime/model/chat_types.hpp"

namespace boocode::model {

nlohmann::json to_request_body(const std::string& model, const std::vector<chat_message>& messages,
                               const nlohmann::json& tools) {
  auto msgs = nlohmann::json::array();
  for (auto& m : messages) {
    nlohmann::json j{{"role", m.role}};
    if (m.role == "assistant" && !m.tool_calls.empty()) {
      j["content"] = m.content.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.content);
      auto calls = nlohmann::json::array();
      for (auto& c : m.tool_calls)
        calls.push_back({{"id", c.id},
                         {"type", "function"},
                         {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
      j["tool_calls"] = std::move(calls);
    } else {
      j["content"] = m.content;
    }
    if (m.role == "tool")
      j["tool_call_id"] = m.tool_call_id;
    msgs.push_back(std::move(j));
  }
  nlohmann::json body{{"model", model},
                      {"messages", std::move(msgs)},
                      {"stream", true},
                      {"stream_options", {{"include_usage", true}}}};
  if (tools.is_array() && !tools.empty())
    body["tools"] = tools;
  return body;
}

} // namespace boocode::model
