#pragma once

#include <string>
#include <vector>

#include "runtime/model/usage.hpp"

namespace boocode::model {

/// A tool call the model asked for; `arguments` is the JSON text it sent
/// (possibly malformed: the tool layer validates it).
struct tool_call {
  std::string id;
  std::string name;
  std::string arguments;
  friend bool operator==(const tool_call&, const tool_call&) = default;
};

/// One message of a conversation, in the OpenAI chat-completions shape.
struct chat_message {
  std::string role; // system, user, assistant, tool
  std::string content;
  /// DeepSeek's reasoning_content: shown to the user, never sent back to the model.
  std::string reasoning;
  std::vector<tool_call> tool_calls; // assistant only
  std::string tool_call_id;          // tool only
};

/// What one streamed model call produced.
struct model_reply {
  chat_message message;
  /// stop, tool_calls, length, content_filter, ... ("" if the stream ended without one).
  std::string finish_reason;
  token_usage usage;
  /// HTTP attempts the call took (retries included).
  int attempts = 1;
};

} // namespace boocode::model
