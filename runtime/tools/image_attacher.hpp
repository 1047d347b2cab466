#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "runtime/model/chat_types.hpp"

namespace boocode::tools {

/// Stores an image a tool opened as an attachment of the tool's chat (the
/// conversation then refers to it, as to a user's upload). Implemented by
/// the node over its attachment store; thread-safe, may block.
class image_attacher {
public:
  virtual ~image_attacher() = default;
  /// The largest file view_image opens.
  virtual uint64_t max_bytes() const = 0;
  /// The stored image, or why it was refused (not an image, too large, ...).
  virtual std::variant<model::image_ref, std::string> attach(std::string_view bytes,
                                                             const std::string& name) = 0;
};

} // namespace boocode::tools
