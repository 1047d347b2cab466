#pragma once

// Inside runtime/image only: the per-format readers behind decode.hpp.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "runtime/image/decode.hpp"

namespace boocode::image::detail {

/// "the <format> data is truncated or corrupt: <detail>".
std::string corrupt(format fmt, std::string_view detail);

/// True if some pixel of an RGBA buffer is not fully opaque.
bool any_transparent(const std::vector<unsigned char>& rgba);

std::variant<header, std::string> webp_header(std::string_view bytes);
std::variant<pixels, std::string> webp_decode(std::string_view bytes);

std::variant<header, std::string> gif_header(std::string_view bytes);
std::variant<pixels, std::string> gif_decode(std::string_view bytes);

/// The EXIF orientation (1 to 8) in a JPEG's APP1 segment, or 1 when there is
/// none or it cannot be read: a bad tag is not worth refusing a photo for.
int jpeg_orientation(std::string_view jpeg);

/// True for the orientations that swap width and height (5 to 8).
inline bool swaps_axes(int orientation) {
  return orientation >= 5 && orientation <= 8;
}

/// `px` turned and mirrored so that it displays upright.
pixels apply_orientation(pixels px, int orientation);

} // namespace boocode::image::detail
