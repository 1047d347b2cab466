#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "runtime/model/reply_reader.hpp"

namespace boocode::model {

/// Assembles a reply streamed in Anthropic's Messages format: message_start
/// (with the prompt's usage), content blocks (text, thinking, tool_use with
/// its input in partial JSON pieces), message_delta (stop reason, usage,
/// which replaces what came before) and message_stop. Pings and event types
/// it does not know are skipped; an error event is an error. The stop
/// reason is given in chat-completions terms (end_turn: stop, tool_use:
/// tool_calls, max_tokens: length, refusal: content_filter).
class anthropic_stream final : public reply_reader {
public:
  explicit anthropic_stream(stream_callbacks cb = {}) : reply_reader(std::move(cb)) {}

  std::optional<std::string> on_data(std::string_view data) override;
  /// A whole Message object (a reply not streamed).
  std::optional<std::string> on_whole(std::string_view body) override;
  bool done() const override { return done_; }
  model_reply reply() const override;

private:
  std::optional<std::string> on_event(const nlohmann::json& ev);
  void take_usage(const nlohmann::json& usage);

  std::string content_;
  std::string reasoning_;
  std::map<int, tool_call> calls_; // by block index
  std::string stop_reason_;
  nlohmann::json usage_ = nlohmann::json::object();
  bool done_ = false;
};

} // namespace boocode::model
