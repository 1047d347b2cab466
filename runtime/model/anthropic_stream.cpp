#include "runtime/model/anthropic_stream.hpp"

namespace boocode::model {

namespace {

std::string text_of(const nlohmann::json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::string finish_of(const std::string& stop_reason) {
  if (stop_reason == "end_turn" || stop_reason == "stop_sequence")
    return "stop";
  if (stop_reason == "tool_use")
    return "tool_calls";
  if (stop_reason == "max_tokens")
    return "length";
  if (stop_reason == "refusal")
    return "content_filter";
  return stop_reason;
}

} // namespace

void anthropic_stream::take_usage(const nlohmann::json& usage) {
  if (!usage.is_object())
    return;
  for (const auto& [key, value] : usage.items())
    if (!value.is_null())
      usage_[key] = value; // message_delta's counts are totals so far
}

std::optional<std::string> anthropic_stream::on_data(std::string_view data) {
  auto ev = nlohmann::json::parse(data, nullptr, false);
  if (ev.is_discarded() || !ev.is_object())
    return "malformed JSON in the model's stream";
  return on_event(ev);
}

std::optional<std::string> anthropic_stream::on_event(const nlohmann::json& ev) {
  auto type = text_of(ev, "type");
  int index = ev.value("index", 0);
  if (type == "message_start") {
    if (auto m = ev.find("message"); m != ev.end() && m->is_object())
      take_usage(m->value("usage", nlohmann::json()));
  } else if (type == "content_block_start") {
    const auto& b = ev.value("content_block", nlohmann::json::object());
    if (text_of(b, "type") == "tool_use") {
      calls_[index] = {text_of(b, "id"), text_of(b, "name"), ""};
      if (cb_.on_tool_call)
        cb_.on_tool_call(calls_[index].name);
    }
  } else if (type == "content_block_delta") {
    const auto& d = ev.value("delta", nlohmann::json::object());
    auto kind = text_of(d, "type");
    if (kind == "text_delta") {
      auto t = text_of(d, "text");
      content_ += t;
      if (cb_.on_text && !t.empty())
        cb_.on_text(t);
    } else if (kind == "thinking_delta") {
      auto t = text_of(d, "thinking");
      reasoning_ += t;
      if (cb_.on_reasoning && !t.empty())
        cb_.on_reasoning(t);
    } else if (kind == "input_json_delta") {
      auto call = calls_.find(index);
      if (call == calls_.end())
        return "the model's stream sent tool input for a block that is not a tool call";
      call->second.arguments += text_of(d, "partial_json");
    }
  } else if (type == "message_delta") {
    if (auto d = ev.find("delta");
        d != ev.end() && d->is_object() && (*d)["stop_reason"].is_string())
      stop_reason_ = (*d)["stop_reason"].get<std::string>();
    take_usage(ev.value("usage", nlohmann::json()));
  } else if (type == "message_stop") {
    done_ = true;
  } else if (type == "error") {
    const auto& e = ev.value("error", nlohmann::json::object());
    auto message = text_of(e, "message");
    return "the model reported an error: " + text_of(e, "type") +
           (message.empty() ? std::string() : ": " + message);
  }
  return std::nullopt; // ping, content_block_stop, and what it does not know
}

std::optional<std::string> anthropic_stream::on_whole(std::string_view body) {
  auto m = nlohmann::json::parse(body, nullptr, false);
  if (m.is_discarded() || !m.is_object() || !m.contains("content") || !m["content"].is_array())
    return "the model's reply is not a Messages reply";
  take_usage(m.value("usage", nlohmann::json()));
  int index = 0;
  for (const auto& b : m["content"]) {
    auto type = text_of(b, "type");
    if (type == "text")
      content_ += text_of(b, "text");
    else if (type == "thinking")
      reasoning_ += text_of(b, "thinking");
    else if (type == "tool_use")
      calls_[index] = {text_of(b, "id"), text_of(b, "name"),
                       b.value("input", nlohmann::json::object()).dump()};
    ++index;
  }
  stop_reason_ = text_of(m, "stop_reason");
  done_ = true;
  return std::nullopt;
}

model_reply anthropic_stream::reply() const {
  model_reply r;
  r.message.role = "assistant";
  r.message.content = content_;
  r.message.reasoning = reasoning_;
  for (const auto& [index, call] : calls_) {
    auto c = call;
    if (c.arguments.empty())
      c.arguments = "{}";
    r.message.tool_calls.push_back(std::move(c));
  }
  r.finish_reason = finish_of(stop_reason_);
  r.usage = usage_.empty() ? token_usage{} : normalise_usage(usage_);
  return r;
}

} // namespace boocode::model
