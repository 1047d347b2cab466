#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/model/usage.hpp"

namespace boocode::chat {

/// What a subscriber needs to draw a chat right now, kept by its session
/// from the frames it relays: the messages (finished turns, the turn in
/// progress, waiting ones), the text and reasoning streamed so far, the
/// tool calls running and the usage totals. A `snapshot` frame is made of it.
class live_view {
public:
  /// Starts from stored state: `messages`, an array of message objects as
  /// the API shows them; `turn`, the turn in progress; `usage`, the totals.
  void reset(const nlohmann::json& messages, std::optional<int> turn, model::token_usage usage);

  /// Applies one relayed frame (its type and payload, a JSON object's text).
  /// Frames that change nothing shown (ack, traces) are ignored.
  void apply(std::string_view type, std::string_view payload);

  /// The snapshot's members: "messages", "turn" (null, or {"number", "text",
  /// "reasoning", "running_tools", "resumed"}) and "usage", as the text of a
  /// JSON object without its braces.
  std::string members() const;

  std::optional<int> turn() const { return turn_; }
  bool has_message(int64_t id) const;
  /// The running turn, when its turn_start listed message `id` as its own.
  std::optional<int> taken_by(int64_t id) const;
  const model::token_usage& usage() const { return usage_; }
  size_t message_count() const { return messages_.size(); }

private:
  struct entry {
    int64_t id = 0;
    std::string json; // the message object's text
  };
  std::vector<entry> messages_;
  std::optional<int> turn_;
  bool resumed_ = false;       // the turn in progress continues after a restart
  std::vector<int64_t> taken_; // the user messages the running turn took
  std::string text_, reasoning_;
  std::map<std::string, std::string> running_; // call_id -> tool_call payload text
  model::token_usage usage_;
};

} // namespace boocode::chat
