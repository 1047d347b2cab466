#include <cstdint>
#include <utility>

#include "runtime/image/codecs.hpp"

// EXIF orientation: phones store photos as the sensor saw them and tag how to
// turn them. Encoders here write no EXIF, so a re-encoded copy must carry the
// turn in its pixels, or a model would see the photo on its side.

namespace boocode::image::detail {
namespace {

constexpr int upright = 1;

/// Reads the orientation tag (0x0112) from IFD0 of a TIFF block ("II*\0" or
/// "MM\0*" first), the body of an EXIF segment.
int tiff_orientation(std::string_view tiff) {
  if (tiff.size() < 8)
    return upright;
  const bool little = tiff.starts_with("II");
  if (!little && !tiff.starts_with("MM"))
    return upright;
  auto byte = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(tiff[i]));
  };
  auto u16 = [&](std::size_t i) {
    return little ? byte(i) | byte(i + 1) << 8 : byte(i) << 8 | byte(i + 1);
  };
  auto u32 = [&](std::size_t i) {
    return little ? u16(i) | u16(i + 2) << 16 : u16(i) << 16 | u16(i + 2);
  };
  if (u16(2) != 42)
    return upright;
  const std::size_t ifd = u32(4);
  if (ifd > tiff.size() - 2)
    return upright;
  const std::size_t entries = u16(ifd);
  for (std::size_t i = 0; i < entries; ++i) {
    const std::size_t entry = ifd + 2 + 12 * i;
    if (entry + 12 > tiff.size())
      break;
    constexpr std::uint32_t orientation_tag = 0x0112, short_type = 3;
    if (u16(entry) == orientation_tag && u16(entry + 2) == short_type && u32(entry + 4) >= 1) {
      const auto value = static_cast<int>(u16(entry + 8));
      return value >= 1 && value <= 8 ? value : upright;
    }
  }
  return upright;
}

} // namespace

int jpeg_orientation(std::string_view jpeg) {
  // Walk the marker segments that come before the image data.
  std::size_t pos = 2;
  while (pos + 4 <= jpeg.size()) {
    if (static_cast<unsigned char>(jpeg[pos]) != 0xFF)
      return upright;
    const auto marker = static_cast<unsigned char>(jpeg[pos + 1]);
    if (marker == 0xFF) { // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) // start of scan, end of image
      return upright;
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) { // no length field
      pos += 2;
      continue;
    }
    const std::size_t length = static_cast<std::size_t>(static_cast<unsigned char>(jpeg[pos + 2]))
                                 << 8 |
                               static_cast<unsigned char>(jpeg[pos + 3]);
    if (length < 2 || pos + 2 + length > jpeg.size())
      return upright;
    const std::string_view body = jpeg.substr(pos + 4, length - 2);
    using namespace std::string_view_literals;
    if (marker == 0xE1 && body.starts_with("Exif\0\0"sv))
      return tiff_orientation(body.substr(6));
    pos += 2 + length;
  }
  return upright;
}

pixels apply_orientation(pixels px, int orientation) {
  if (orientation < 2 || orientation > 8)
    return px;
  const std::size_t w = static_cast<std::size_t>(px.width);
  const std::size_t h = static_cast<std::size_t>(px.height);
  const bool swap = swaps_axes(orientation);
  const std::size_t out_w = swap ? h : w;
  pixels out;
  out.width = swap ? px.height : px.width;
  out.height = swap ? px.width : px.height;
  out.has_alpha = px.has_alpha;
  out.rgba.resize(px.rgba.size());
  for (std::size_t y = 0; y < h; ++y) {
    for (std::size_t x = 0; x < w; ++x) {
      // Where the stored pixel (x, y) lands in the upright image.
      std::size_t dx = x, dy = y;
      switch (orientation) {
        case 2: // mirrored left to right
          dx = w - 1 - x;
          break;
        case 3: // turned 180 degrees
          dx = w - 1 - x;
          dy = h - 1 - y;
          break;
        case 4: // mirrored top to bottom
          dy = h - 1 - y;
          break;
        case 5: // transposed
          dx = y;
          dy = x;
          break;
        case 6: // needs a quarter turn clockwise
          dx = h - 1 - y;
          dy = x;
          break;
        case 7: // transversed
          dx = h - 1 - y;
          dy = w - 1 - x;
          break;
        case 8: // needs a quarter turn anticlockwise
          dx = y;
          dy = w - 1 - x;
          break;
      }
      const std::size_t from = (y * w + x) * 4, to = (dy * out_w + dx) * 4;
      for (std::size_t c = 0; c < 4; ++c)
        out.rgba[to + c] = px.rgba[from + c];
    }
  }
  return out;
}

} // namespace boocode::image::detail
