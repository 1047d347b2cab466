#pragma once

#include <string>
#include <variant>

#include "runtime/image/format.hpp"
#include "runtime/image/pixels.hpp"

namespace boocode::image {

/// An encoded image file.
struct encoded {
  std::string bytes;
  format fmt = format::png;
};

// Each encoder returns the file or a sentence saying why it could not be
// written (the library's own reason included).

/// Lossless PNG, 8-bit RGBA when `px.has_alpha`, RGB otherwise.
std::variant<encoded, std::string> encode_png(const pixels& px);

/// Baseline JPEG with 4:2:0 chroma subsampling at `quality` (1 to 100).
/// JPEG has no alpha: transparent pixels are flattened onto white.
std::variant<encoded, std::string> encode_jpeg(const pixels& px, int quality);

/// Lossy WebP at `quality` (0 to 100), keeping alpha when `px.has_alpha`.
/// WebP allows at most 16383 pixels a side.
std::variant<encoded, std::string> encode_webp(const pixels& px, float quality);

} // namespace boocode::image
