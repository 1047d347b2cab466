#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/model/chat_types.hpp"

namespace boocode::model {

/// Where an image part sits in a conversation's request JSON: bytes
/// [begin, end) of json_items() are its placeholder part, replaced when a
/// call is sent by the image's data URL or a note.
struct image_slot {
  size_t begin = 0;
  size_t end = 0;
  size_t message = 0; // the message's index
  size_t image = 0;   // the image's index in it
};

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
  /// An image is a placeholder part there (see image_slots()).
  const std::string& json_items() const { return json_; }
  /// The image parts of json_items(), in order.
  const std::vector<image_slot>& image_slots() const { return slots_; }
  /// The image a slot stands for.
  const image_ref& image_of(const image_slot& s) const {
    return messages_[s.message].images[s.image];
  }
  /// Where message `i`'s request JSON ends in json_items() (a tool's images
  /// that join before the next message count as that message's).
  size_t message_end(size_t i) const { return ends_[i]; }
  /// A hash of json_items() up to message_end(i), chained message by
  /// message (XXH3), so two conversations agree on it exactly where their
  /// first i + 1 messages have the same bytes.
  uint64_t prefix_hash(size_t i) const { return chain_[i]; }
  /// Whether messages from index `from` on carry images.
  bool has_images_from(size_t from) const;
  /// Every image a call of this conversation carries, in order (those of
  /// json_items(), then those of tool_images_json()).
  std::vector<const image_ref*> images() const;
  /// The user message that shows the model the images its newest tool
  /// results opened (a tool message cannot carry images), when the
  /// conversation ends with such results: "" or ",{...}", its image parts'
  /// places in `slots`. It joins json_items() when the next message that is
  /// not a tool result is appended, so the bytes stay those a call sent.
  std::string tool_images_json(std::vector<image_slot>& slots) const;

private:
  std::vector<chat_message> messages_;
  std::string json_;
  std::vector<image_slot> slots_;
  std::vector<size_t> tool_images_; // tool results with images since the last other message
  std::vector<size_t> ends_;        // per message: its end in json_
  std::vector<uint64_t> chain_;     // per message: prefix_hash
};

/// One message in the chat-completions request shape (reasoning is never
/// sent back), as JSON text. A user message with images has a content
/// array: its text part, then one image_url part per image whose URL is
/// "attachment:<id>" (a call replaces it); `slots` (may be null) gets
/// their places in the text.
std::string message_json(const chat_message& m, std::vector<image_slot>* slots = nullptr,
                         size_t offset = 0, size_t index = 0);

/// The text a model that is not sent image `img` reads in its place, `why`
/// saying why ("this model does not accept images", ...).
std::string image_note_text(const image_ref& img, std::string_view why);

/// How one call sends the images of its conversation.
struct image_payload {
  /// False: every image goes as a short text part saying it was not sent
  /// (the model does not accept images).
  bool send = true;
  /// Each image's data URL, by sha256, loaded by the caller; an image
  /// missing here goes as a note saying it is no longer stored.
  std::map<std::string, std::shared_ptr<const std::string>> data_urls;
};

/// One model call's input, held by reference: the caller keeps it alive for
/// the call.
struct model_request {
  std::string_view system; // the system prompt ("": none)
  const conversation& messages;
  std::string_view tools_json; // the tools' schemas, a JSON array's text ("" or "[]": none)
  std::string_view model{};    // another model than the endpoint's ("": the endpoint's)
  /// The conversation's images (null: each goes as a note, not sent).
  const image_payload* images = nullptr;
  /// The agent's id, sent as OpenAI's prompt_cache_key by an endpoint that
  /// takes one ("": none).
  std::string_view cache_key{};
};

/// An image a call sends, as the request carries it.
struct sent_image {
  std::string sha256;
  std::string media_type;
  size_t data_url_bytes = 0;
};

/// The request body of a chat-completions call (streamed, usage included)
/// in parts to send one after the other: model, stream options, tools and
/// the system prompt first, then the conversation's own text (not copied:
/// the conversation and the image payload must outlive the parts; each
/// image's data URL is sent from where it is), then the end. So successive
/// calls of one conversation share their bytes up to the newest messages.
struct request_body {
  /// `cache_key`: send the request's cache_key as prompt_cache_key.
  request_body(const std::string& model, const model_request& req, bool cache_key = false);
  /// An empty body, for another wire format to fill.
  request_body() = default;
  request_body(request_body&&) = default;
  request_body& operator=(request_body&&) = default;

  std::string head;
  std::vector<std::string_view> messages; // in order
  std::string tail;
  /// The images sent, in order (notes are not).
  std::vector<sent_image> images;

  size_t size() const;
  /// The body in one string.
  std::string joined() const;

  /// Keeps `text` for as long as the body lives; where it is kept.
  std::string_view keep(std::string text) { return owned_.emplace_back(std::move(text)); }

private:
  /// Adds `text` with its image slots replaced.
  void add_parts(const model_request& req, std::string_view text,
                 const std::vector<image_slot>& slots);

  std::list<std::string> owned_; // the parts made for this call (stable addresses)
};

} // namespace boocode::model
