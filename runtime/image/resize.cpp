#include "runtime/image/resize.hpp"

#include <algorithm>
#include <cstdint>
#include <new>
#include <stdexcept>

#include <webp/encode.h>

namespace boocode::image {
namespace {

/// Frees a WebPPicture's pixel buffers.
struct picture {
  WebPPicture pic{};
  picture() {
    if (WebPPictureInit(&pic) == 0)
      throw std::logic_error("libwebp does not match its header");
  }
  ~picture() { WebPPictureFree(&pic); }
  picture(const picture&) = delete;
  picture& operator=(const picture&) = delete;
};

/// libwebp's ARGB pixels are 32-bit words 0xAARRGGBB (whatever the byte
/// order in memory); back to R, G, B, A bytes.
void argb_to_rgba(const WebPPicture& pic, std::vector<unsigned char>& rgba) {
  const auto width = static_cast<std::size_t>(pic.width);
  const auto height = static_cast<std::size_t>(pic.height);
  const auto stride = static_cast<std::size_t>(pic.argb_stride);
  rgba.resize(width * height * 4);
  for (std::size_t y = 0; y < height; ++y) {
    const std::uint32_t* row = pic.argb + y * stride;
    unsigned char* out = rgba.data() + y * width * 4;
    for (std::size_t x = 0; x < width; ++x) {
      const std::uint32_t argb = row[x];
      out[x * 4] = static_cast<unsigned char>(argb >> 16);
      out[x * 4 + 1] = static_cast<unsigned char>(argb >> 8);
      out[x * 4 + 2] = static_cast<unsigned char>(argb);
      out[x * 4 + 3] = static_cast<unsigned char>(argb >> 24);
    }
  }
}

} // namespace

dimensions fitted_size(int width, int height, int max_edge) {
  max_edge = std::max(max_edge, 1);
  if (width <= max_edge && height <= max_edge)
    return {width, height};
  // The longer side becomes max_edge; the other is rounded to nearest.
  auto scaled = [&](std::int64_t side, std::int64_t longer) {
    return static_cast<int>(std::max<std::int64_t>(1, (side * max_edge + longer / 2) / longer));
  };
  if (width >= height)
    return {max_edge, scaled(height, width)};
  return {scaled(width, height), max_edge};
}

pixels fit_within(pixels px, int max_edge) {
  const dimensions target = fitted_size(px.width, px.height, max_edge);
  if (target.width == px.width && target.height == px.height)
    return px;
  picture p;
  p.pic.use_argb = 1;
  p.pic.width = px.width;
  p.pic.height = px.height;
  const int stride = px.width * 4;
  // Without alpha, RGBX import ignores the fourth byte and makes it opaque.
  const int imported = px.has_alpha ? WebPPictureImportRGBA(&p.pic, px.rgba.data(), stride)
                                    : WebPPictureImportRGBX(&p.pic, px.rgba.data(), stride);
  if (imported == 0 || WebPPictureRescale(&p.pic, target.width, target.height) == 0)
    throw std::bad_alloc(); // the only way either fails with valid sizes
  pixels out;
  out.width = target.width;
  out.height = target.height;
  out.has_alpha = px.has_alpha;
  argb_to_rgba(p.pic, out.rgba);
  return out;
}

} // namespace boocode::image
