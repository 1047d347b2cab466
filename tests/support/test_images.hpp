#pragma once

// Real images for tests that upload them: PNGs made by the image module's
// own encoder (smooth, or noise that does not compress).
#include <cstdint>
#include <random>
#include <string>

#include "runtime/image/encode.hpp"
#include "runtime/image/pixels.hpp"

namespace boocode::test {

/// A `width` x `height` PNG: a gradient, with random pixels from `seed` in
/// its top `noisy_rows` rows (noise keeps the file about 3 bytes a pixel).
inline std::string test_png(int width, int height, int noisy_rows = 0, uint32_t seed = 1) {
  image::pixels px;
  px.width = width;
  px.height = height;
  px.rgba.resize(image::rgba_size(width, height));
  std::mt19937 rng{seed};
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      auto* p =
        &px.rgba[(static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)) *
                 4];
      if (y < noisy_rows) {
        auto r = rng();
        p[0] = static_cast<unsigned char>(r);
        p[1] = static_cast<unsigned char>(r >> 8);
        p[2] = static_cast<unsigned char>(r >> 16);
      } else {
        p[0] = static_cast<unsigned char>(x * 255 / std::max(1, width - 1));
        p[1] = static_cast<unsigned char>(y * 255 / std::max(1, height - 1));
        p[2] = 128;
      }
      p[3] = 255;
    }
  auto out = image::encode_png(px);
  return std::get<image::encoded>(std::move(out)).bytes;
}

} // namespace boocode::test
