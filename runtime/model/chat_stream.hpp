#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "runtime/model/chat_types.hpp"
#include "runtime/model/reply_reader.hpp"
#include "runtime/model/stream_chunk.hpp"

namespace boocode::model {

/// Assembles an OpenAI-style streamed reply from its chunks: content and
/// DeepSeek reasoning_content deltas, tool calls whose id, name and
/// arguments arrive split across many chunks (keyed by `index`), the finish
/// reason and the final usage chunk.
class chat_stream final : public reply_reader {
public:
  explicit chat_stream(stream_callbacks cb = {}) : reply_reader(std::move(cb)) {}

  /// Takes one parsed `data:` payload. Returns an error message for a chunk
  /// that is not a chat-completion chunk (or carries an API error).
  std::optional<std::string> on_chunk(const nlohmann::json& chunk);

  /// Takes the raw text of one `data:` payload ("[DONE]" ends the stream).
  std::optional<std::string> on_data(std::string_view data) override;

  /// A non-streamed completion, taken as one chunk.
  std::optional<std::string> on_whole(std::string_view body) override;

  bool done() const override { return done_; }

  model_reply reply() const override;

private:
  /// Adds what a chunk says to the reply (its strings are moved out).
  void apply(stream_chunk& parts);

  std::string content_;
  std::string reasoning_;
  std::map<int, tool_call> calls_;
  std::string finish_reason_;
  token_usage usage_;
  bool done_ = false;
};

} // namespace boocode::model
