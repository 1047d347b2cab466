#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/chat/events.hpp"
#include "runtime/model/usage.hpp"

namespace boocode::chat {

/// What a subscriber needs to draw a chat right now, kept by its session
/// from the events it relays: the messages (finished turns, the turn in
/// progress, waiting ones), the text and reasoning streamed so far, the
/// tool calls running, the approvals waiting and the usage totals. A full `snapshot` frame is
/// written from it (runtime/protocol/frames.hpp).
class live_view {
public:
  /// A message it shows, and the text the snapshot wrote for it last time:
  /// filled by runtime/protocol, emptied whenever the message changes, so a
  /// snapshot of a long chat writes each message once rather than once per
  /// subscriber (a reconnect storm after a restart subscribes them all).
  struct shown_message {
    message_record record;
    mutable std::string json;
  };

  /// Starts from stored state: `messages` as the session loaded them, the
  /// turn in progress (it continues after a restart) and the usage totals.
  void reset(std::vector<message_record> messages, std::optional<int> turn,
             model::token_usage usage);

  /// Applies one relayed event. Events that change nothing shown (acks,
  /// traces, errors) are ignored.
  void apply(const agent_event& e);

  const std::vector<shown_message>& messages() const { return messages_; }
  /// The turn in progress.
  std::optional<int> turn() const { return turn_; }
  /// The turn in progress continues after a restart.
  bool resumed() const { return resumed_; }
  /// The answer and reasoning streamed since the last stored reply.
  const std::string& text() const { return text_; }
  const std::string& reasoning() const { return reasoning_; }
  /// The tool calls that started and did not end, by call id.
  const std::map<std::string, tool_started>& running_tools() const { return running_; }
  const model::token_usage& usage() const { return usage_; }
  /// The approval requests of the turn in progress that no one answered yet, by id.
  const std::map<std::string, approval_requested>& pending_approvals() const { return approvals_; }

  bool has_message(int64_t id) const;
  /// The running turn, when its turn_start listed message `id` as its own.
  std::optional<int> taken_by(int64_t id) const;

private:
  void store(const message_record& m);
  void begin(const turn_started& t);
  void end(const turn_ended& t);

  std::vector<shown_message> messages_;
  std::optional<int> turn_;
  bool resumed_ = false;       // the turn in progress continues after a restart
  std::vector<int64_t> taken_; // the user messages the running turn took
  std::string text_, reasoning_;
  std::map<std::string, tool_started> running_;
  std::map<std::string, approval_requested> approvals_;
  model::token_usage usage_;
};

} // namespace boocode::chat
