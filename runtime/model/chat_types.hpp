#pragma once

#include <cstdint>
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

/// An image a message carries, by reference: its bytes stay in the
/// attachment store and are loaded only when a model call sends them.
struct image_ref {
  std::string id;     // the attachment's id ("a_" + 16 hex digits)
  std::string sha256; // its bytes' (the store's key)
  std::string media_type;
  int64_t bytes = 0;
  int width = 0;
  int height = 0;
  std::string name; // the file's name as uploaded ("" when it had none)
  friend bool operator==(const image_ref&, const image_ref&) = default;
};

/// One message of a conversation, in the OpenAI chat-completions shape.
struct chat_message {
  std::string role; // system, user, assistant, tool
  std::string content;
  /// DeepSeek's reasoning_content: shown to the user, never sent back to the model.
  std::string reasoning;
  std::vector<tool_call> tool_calls; // assistant only
  std::string tool_call_id;          // tool only
  std::vector<image_ref> images;     // user only: sent as image_url parts
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
