#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/model/chat_types.hpp"

namespace boocode::model {

/// Callbacks for the parts of a reply as they stream in.
struct stream_callbacks {
  std::function<void(std::string_view)> on_text;
  std::function<void(std::string_view)> on_reasoning;
  /// A tool call starts streaming in (its name, as far as it has arrived).
  std::function<void(std::string_view)> on_tool_call;
  /// The deltas delivered so far are all there is for now (the stream waits
  /// for more): a moment to pass them on together.
  std::function<void()> on_pause;
};

/// Assembles a model's reply from what its endpoint sends, in that
/// endpoint's wire format: chat completions (chat_stream) or Anthropic's
/// Messages (anthropic_stream).
class reply_reader {
public:
  explicit reply_reader(stream_callbacks cb) : cb_(std::move(cb)) {}
  virtual ~reply_reader() = default;

  /// Takes the text of one server-sent event's `data:`. Returns an error
  /// message for an event the format does not allow (or an error event).
  virtual std::optional<std::string> on_data(std::string_view data) = 0;

  /// Takes a reply the endpoint sent whole (application/json), ending it.
  virtual std::optional<std::string> on_whole(std::string_view body) = 0;

  /// The reply is complete.
  virtual bool done() const = 0;

  /// Tells the callbacks that the stream waits for more (on_pause).
  void pause() const {
    if (cb_.on_pause)
      cb_.on_pause();
  }

  /// The reply so far (complete once done()).
  virtual model_reply reply() const = 0;

protected:
  stream_callbacks cb_;
};

} // namespace boocode::model
