#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "runtime/model/chat_types.hpp"

namespace boocode::model {

/// Assembles a model's reply from what its endpoint sends, in that
/// endpoint's wire format: chat completions (chat_stream) or Anthropic's
/// Messages (anthropic_stream).
class reply_reader {
public:
  virtual ~reply_reader() = default;

  /// Takes the text of one server-sent event's `data:`. Returns an error
  /// message for an event the format does not allow (or an error event).
  virtual std::optional<std::string> on_data(std::string_view data) = 0;

  /// Takes a reply the endpoint sent whole (application/json), ending it.
  virtual std::optional<std::string> on_whole(std::string_view body) = 0;

  /// The reply is complete.
  virtual bool done() const = 0;

  /// Tells the callbacks that the stream waits for more (on_pause).
  virtual void pause() const = 0;

  /// The reply so far (complete once done()).
  virtual model_reply reply() const = 0;
};

} // namespace boocode::model
