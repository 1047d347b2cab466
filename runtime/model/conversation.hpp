#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/model/chat_types.hpp"

namespace boocode::model {

/// A conversation that only grows: messages are appended, never changed or
/// removed. Each message is turned into its request JSON once, when it is
/// appended, so a model call serialises only what is new, and the bytes of
/// one call's body start with the bytes of the previous call's (what a
/// provider's prompt cache keys on).
class conversation {
public:
  conversation() = default;
  explicit conversation(std::vector<chat_message> messages);

  void append(chat_message m);

  const std::vector<chat_message>& messages() const { return messages_; }
  size_t size() const { return messages_.size(); }
  bool empty() const { return messages_.empty(); }

  /// The messages' request JSON, comma-separated, without the brackets.
  const std::string& json_items() const { return json_; }

private:
  std::vector<chat_message> messages_;
  std::string json_;
};

/// One message in the chat-completions request shape (reasoning is never
/// sent back), as JSON text.
std::string message_json(const chat_message& m);

/// One model call's input, held by reference: the caller keeps it alive for
/// the call.
struct model_request {
  std::string_view system; // the system prompt ("": none)
  const conversation& messages;
  std::string_view tools_json; // the tools' schemas, a JSON array's text ("" or "[]": none)
  std::string_view model{};    // another model than the endpoint's ("": the endpoint's)
};

/// The request body of a chat-completions call (streamed, usage included)
/// in three parts to send one after the other: model, stream options, tools
/// and the system prompt first, then the conversation's own text (not
/// copied: the conversation must outlive the parts), then the end. So
/// successive calls of one conversation share their bytes up to the newest
/// messages.
struct request_body {
  request_body(const std::string& model, const model_request& req);

  std::string head;
  std::string_view messages;
  std::string tail;

  size_t size() const { return head.size() + messages.size() + tail.size(); }
  /// The body in one string.
  std::string joined() const;
};

} // namespace boocode::model
