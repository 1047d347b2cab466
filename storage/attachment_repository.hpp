#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/model/chat_types.hpp"

namespace boocode::storage {

class pool;

/// An image's bytes as stored once for the cluster (table attachment_blobs).
struct attachment_blob {
  std::string sha256;
  std::string media_type;
  std::string data;
  int width = 0;
  int height = 0;
  /// The copy a model gets; empty: the original.
  std::string model_media_type;
  std::string model_data;
  int model_width = 0;
  int model_height = 0;
  std::string thumb_media_type;
  std::string thumb_data;
};

/// One image served: its media type and bytes, and the chats whose
/// attachment it is (whoever may read one of them may read it).
struct served_image {
  std::string media_type;
  std::string data;
  std::vector<std::string> chats;
};

/// What a model is sent of an image.
struct model_image {
  std::string media_type;
  std::string data;
};

/// Which bytes of an attachment to serve.
enum class image_variant { original, thumbnail };

/// Image attachments (storage/migrations/0013_attachments.sql), shared by
/// every node. Throws storage_error.
class attachment_repository {
public:
  explicit attachment_repository(std::string conninfo);
  explicit attachment_repository(std::shared_ptr<pool> p);
  ~attachment_repository();

  /// Attaches the stored blob `sha256` to chat `chat_id` (owned by the
  /// chat's owner) as attachment `id`, or answers the id it has there
  /// already (one attachment per image and chat). Nothing when the blob is
  /// not stored, or the chat does not exist or is archived (`no_chat` then set).
  std::optional<model::image_ref> attach(const std::string& sha256, const std::string& chat_id,
                                         const std::string& id, const std::string& name,
                                         bool* no_chat = nullptr);
  /// Stores `blob` (unless stored: then only touched) and attaches it as
  /// attach() does, in one transaction.
  std::optional<model::image_ref> store(const attachment_blob& blob, const std::string& chat_id,
                                        const std::string& id, const std::string& name,
                                        bool* no_chat = nullptr);
  /// Attachment `id`'s bytes; nothing for an unknown id.
  std::optional<served_image> fetch(const std::string& id, image_variant v);
  /// The bytes a model gets of blob `sha256`; nothing when it is gone.
  std::optional<model_image> model_copy(const std::string& sha256);
  /// Deletes attachments no message referred to and older than `ttl`, then
  /// blobs no attachment holds (untouched for ten minutes); how many rows went.
  int64_t sweep(std::chrono::seconds ttl);
  /// Attachments and blobs stored.
  struct totals {
    int64_t attachments = 0;
    int64_t blobs = 0;
  };
  totals count();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace boocode::storage
