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

request_body::request_body(const std::string& model, const model_request& req)
  : messages(req.messages.json_items()), tail("]}") {
  head.reserve(req.tools_json.size() + req.system.size() + model.size() + 160);
  head += "{\"model\":";
  head += dump(req.model.empty() ? model : std::string(req.model));
  head += ",\"stream\":true,\"stream_options\":{\"include_usage\":true}";
  if (!req.tools_json.empty() && req.tools_json != "[]") {
    head += ",\"tools\":";
    head += req.tools_json;
  }
  head += ",\"messages\":[";
  if (!req.system.empty()) {
    head += message_json({"system", std::string(req.system), "", {}, ""});
    if (!messages.empty())
      head += ',';
  }
}

std::string request_body::joined() const {
  std::string out;
  out.reserve(size());
  out.append(head).append(messages).append(tail);
  return out;
}

} // namespace boocode::model
