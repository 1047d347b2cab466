#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/chat/service.hpp"
#include "runtime/model/chat_types.hpp"

namespace boocode::chat {

/// Bounds on image attachments (node options max-attachment-bytes, ...).
struct attachment_limits {
  /// Larger uploads get 413.
  uint64_t max_bytes = uint64_t{20} << 20;
  /// A message carries at most this many.
  int max_per_message = 10;
  /// An image with a longer edge (in pixels) is refused.
  int max_edge = 8192;
  /// The copy a model is sent fits within this many pixels a side.
  int model_edge = 1568;
  /// An upload no message refers to goes after this.
  std::chrono::seconds ttl{std::chrono::hours(24)};
};

/// Whether the model is sent images: auto (yes, until the endpoint refuses
/// them), on (always), off (never: a message with images gets a clear error).
enum class vision_mode { automatic, on, off };

/// Which bytes GET /api/attachments/:id serves.
enum class attachment_view { original, thumbnail };

/// An image served over HTTP.
struct attachment_bytes {
  std::string media_type;
  std::string data;
};

/// What the attachment routes ask of the node; implemented in actors/.
/// Calls block on the database (and decode images): HTTP handler threads.
class attachment_service {
public:
  virtual ~attachment_service() = default;
  /// Stores an upload to chat `chat_id` (the caller checked who may reach it): checked
  /// (PNG, JPEG, WebP or GIF by its bytes; within the limits; it decodes),
  /// stored once by its SHA-256 with a model copy and a thumbnail. 413 when
  /// too large, 415 when not an image, 400 when it does not decode or is too
  /// large in pixels, 404 for an unknown or archived chat.
  virtual result<model::image_ref> upload(const std::string& chat_id, std::string_view bytes,
                                          const std::string& name) = 0;
  /// Attachment `id` for `who`: 404 unless it exists and `who` may read one
  /// of the chats that hold it.
  virtual result<attachment_bytes> fetch(const caller& who, const std::string& id,
                                         attachment_view v) = 0;
};

/// An image's bytes for a model call, as a data: URL, by SHA-256: nothing
/// when it is no longer stored. Thread-safe; may block on the database.
class image_loader {
public:
  virtual ~image_loader() = default;
  virtual std::shared_ptr<const std::string> data_url(const std::string& sha256) = 0;
};

} // namespace boocode::chat
