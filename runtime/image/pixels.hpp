#pragma once

#include <cstddef>
#include <vector>

namespace boocode::image {

/// A decoded image: 8-bit RGBA rows, top to bottom, no padding, straight
/// (not premultiplied) alpha; `rgba` holds width * height * 4 bytes.
/// When `has_alpha` is false every alpha byte is 255 and encoders drop the
/// channel; decoders set it only when some pixel is not fully opaque (an
/// RGBA PNG whose pixels are all opaque does not count).
struct pixels {
  int width = 0;
  int height = 0;
  std::vector<unsigned char> rgba;
  bool has_alpha = false;
};

/// The number of bytes `pixels::rgba` holds for a width x height image.
inline std::size_t rgba_size(int width, int height) {
  return static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4;
}

} // namespace boocode::image
