#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "runtime/image/format.hpp"
#include "runtime/image/pixels.hpp"

namespace boocode::image {

/// What an image's first bytes say about it, learnt without decoding pixels.
struct header {
  format fmt = format::png;
  /// The size as displayed: after a JPEG's EXIF orientation, the whole
  /// canvas of an animation.
  int width = 0;
  int height = 0;
  /// More than one frame: a GIF with two images, an animated WebP, an APNG.
  bool animated = false;
  /// A JPEG's EXIF orientation (1 to 8, 1 = as stored); decode() applies it.
  int orientation = 1;
};

/// The format and size of `bytes`, reading only headers: memory use does not
/// grow with the pixel count, so this is the place to refuse huge images.
/// Errors are short sentences ("the PNG data is truncated or corrupt: ...").
std::variant<header, std::string> read_header(std::string_view bytes);

/// The pixels of `bytes` (the first frame of an animation, upright after EXIF
/// orientation), or a sentence saying why not. Data that does not decode
/// completely, such as a truncated file, is an error rather than a partial
/// image. Allocates width * height * 4 bytes as read_header() reports them,
/// with no limit of its own: check the header first.
std::variant<pixels, std::string> decode(std::string_view bytes);

} // namespace boocode::image
