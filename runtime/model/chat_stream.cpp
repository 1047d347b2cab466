#include "runtime/model/chat_stream.hpp"

#include <nlohmann/json.hpp>

namespace boocode::model {

namespace {

std::string string_field(const nlohmann::json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

} // namespace

std::optional<std::string> chat_stream::on_data(std::string_view data) {
  if (data == "[DONE]") {
    done_ = true;
    return std::nullopt;
  }
  stream_chunk parts;
  if (read_plain_chunk(data, parts)) { // nearly every chunk: no document built
    apply(parts);
    return std::nullopt;
  }
  auto chunk = nlohmann::json::parse(data, nullptr, false);
  if (chunk.is_discarded())
    return "malformed JSON in the model's stream";
  return on_chunk(chunk);
}

std::optional<std::string> chat_stream::on_whole(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return "the model's reply is not JSON";
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty())
    return "the model's reply has no choices";
  nlohmann::json chunk{{"choices", nlohmann::json::array()}};
  for (auto& c : *choices) {
    if (!c.is_object() || !c.contains("message"))
      return "the model's reply has a choice without a message";
    chunk["choices"].push_back(
      {{"delta", c["message"]}, {"finish_reason", c.value("finish_reason", nlohmann::json())}});
  }
  if (j.contains("usage"))
    chunk["usage"] = j["usage"];
  if (auto err = on_chunk(chunk))
    return err;
  return on_data("[DONE]");
}

std::optional<std::string> chat_stream::on_chunk(const nlohmann::json& chunk) {
  if (!chunk.is_object())
    return "a stream chunk is not a JSON object";
  if (auto err = chunk.find("error"); err != chunk.end()) {
    auto msg = err->is_object() ? string_field(*err, "message") : err->dump();
    return "the model reported an error: " + (msg.empty() ? err->dump() : msg);
  }
  if (auto usage = chunk.find("usage"); usage != chunk.end() && usage->is_object())
    usage_ = normalise_usage(*usage);
  auto choices = chunk.find("choices");
  if (choices == chunk.end())
    return chunk.contains("usage") ? std::nullopt
                                   : std::optional<std::string>{"a stream chunk has no choices"};
  if (!choices->is_array())
    return "a stream chunk's choices is not an array";
  stream_chunk parts;
  for (auto& choice : *choices) {
    if (!choice.is_object())
      continue;
    auto& part = parts.choices.emplace_back();
    part.finish_reason = string_field(choice, "finish_reason");
    auto delta = choice.find("delta");
    if (delta == choice.end() || !delta->is_object())
      continue;
    part.content = string_field(*delta, "content");
    part.reasoning = string_field(*delta, "reasoning_content");
    auto calls = delta->find("tool_calls");
    if (calls == delta->end() || !calls->is_array())
      continue;
    for (auto& call : *calls) {
      if (!call.is_object())
        continue;
      auto& piece = part.calls.emplace_back();
      if (auto i = call.find("index"); i != call.end() && i->is_number_integer())
        piece.index = i->get<int>();
      piece.id = string_field(call, "id");
      if (auto fn = call.find("function"); fn != call.end() && fn->is_object()) {
        piece.name = string_field(*fn, "name");
        piece.arguments = string_field(*fn, "arguments");
      }
    }
  }
  apply(parts);
  return std::nullopt;
}

void chat_stream::apply(stream_chunk& parts) {
  for (auto& part : parts.choices) {
    if (!part.finish_reason.empty())
      finish_reason_ = std::move(part.finish_reason);
    if (!part.content.empty()) {
      content_ += part.content;
      if (cb_.on_text)
        cb_.on_text(part.content);
    }
    if (!part.reasoning.empty()) {
      reasoning_ += part.reasoning;
      if (cb_.on_reasoning)
        cb_.on_reasoning(part.reasoning);
    }
    for (auto& piece : part.calls) {
      auto [slot_it, is_new] =
        calls_.try_emplace(piece.index.value_or(static_cast<int>(calls_.size())));
      auto& slot = slot_it->second;
      if (!piece.id.empty())
        slot.id = std::move(piece.id);
      slot.name += piece.name;
      slot.arguments += piece.arguments;
      if (is_new && cb_.on_tool_call)
        cb_.on_tool_call(slot.name);
    }
  }
}

model_reply chat_stream::reply() const {
  model_reply r;
  r.message.role = "assistant";
  r.message.content = content_;
  r.message.reasoning = reasoning_;
  for (auto& [index, call] : calls_) {
    auto c = call;
    if (c.id.empty())
      c.id = "call_" + std::to_string(index); // some local servers send no ids
    r.message.tool_calls.push_back(std::move(c));
  }
  r.finish_reason = finish_reason_;
  r.usage = usage_;
  return r;
}

} // namespace boocode::model
