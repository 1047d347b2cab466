#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "runtime/image/format.hpp"

namespace boocode::image {

// Checking an uploaded chat image and making the copies the rest of the
// system needs: one a model can read, one small enough to show in a list.
// Pure computation on the calling thread (a large photo takes a noticeable
// fraction of a second); no global state, safe to call from several threads.

/// Bounds on what prepare() accepts and produces.
struct limits {
  /// Refuse images with a longer side than this.
  int max_edge = 8192;
  /// Refuse images with more pixels than this, checked from the header before
  /// decoding: a small file can claim a huge image (a decompression bomb),
  /// and decoding costs 4 bytes a pixel.
  std::int64_t max_pixels = 40'000'000;
  /// The copy sent to a model fits within this (Anthropic's recommended long
  /// side; larger images are scaled down by the provider anyway).
  int model_edge = 1568;
  /// The thumbnail fits within this.
  int thumbnail_edge = 320;
};

/// One re-encoded copy of the image.
struct variant_image {
  std::string bytes;
  format fmt = format::png;
  int width = 0;
  int height = 0;
};

/// An accepted image and its copies.
struct prepared {
  format fmt = format::png;
  /// As displayed (after EXIF orientation); the canvas of an animation.
  int width = 0;
  int height = 0;
  bool animated = false;
  /// Empty when the original can go to a model as it is: a PNG or JPEG, not
  /// animated, not needing EXIF rotation, within model_edge. Otherwise the
  /// (first frame of the) image fitted within model_edge, as JPEG (quality 85)
  /// when it is opaque and PNG when it has transparency: every model endpoint
  /// reads those two (llama.cpp's stb_image reads no WebP).
  std::optional<variant_image> model_copy;
  /// Fitted within thumbnail_edge, lossy WebP (quality 75).
  variant_image thumbnail;
};

/// Checks `bytes` (by content, not by any name or media type claimed for
/// them) and prepares the copies, or returns a sentence for the user saying
/// why the image is refused: not an image of a known format, too large,
/// truncated or corrupt.
std::variant<prepared, std::string> prepare(std::string_view bytes, const limits& lim);

} // namespace boocode::image
