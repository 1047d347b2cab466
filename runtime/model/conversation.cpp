#include "runtime/model/conversation.hpp"

#include <nlohmann/json.hpp>

namespace boocode::model {

namespace {

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace

conversation::conversation(std::vector<chat_message> messages) {
  messages_.reserve(messages.size());
  for (auto& m : messages)
    append(std::move(m));
}

void conversation::append(chat_message m) {
  if (!json_.empty())
    json_ += ',';
  json_ += message_json(m);
  messages_.push_back(std::move(m));
}

std::string message_json(const chat_message& m) {
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
  return dump(j);
}

std::string request_body(const std::string& model, const model_request& req) {
  const auto& items = req.messages.json_items();
  std::string out;
  out.reserve(items.size() + req.tools_json.size() + req.system.size() + model.size() + 160);
  out += "{\"model\":";
  out += dump(model);
  out += ",\"stream\":true,\"stream_options\":{\"include_usage\":true}";
  if (!req.tools_json.empty() && req.tools_json != "[]") {
    out += ",\"tools\":";
    out += req.tools_json;
  }
  out += ",\"messages\":[";
  if (!req.system.empty()) {
    out += message_json({"system", std::string(req.system), "", {}, ""});
    if (!items.empty())
      out += ',';
  }
  out += items;
  out += "]}";
  return out;
}

} // namespace boocode::model
