#pragma once

#include "runtime/image/pixels.hpp"

namespace boocode::image {

/// `px` scaled down, keeping its aspect ratio, so that neither side exceeds
/// `max_edge` (each side at least 1); `px` itself when it already fits.
/// Uses libwebp's rescaler, which averages over the source area (alpha
/// weighted) and so does not alias when shrinking a lot. Never enlarges.
pixels fit_within(pixels px, int max_edge);

/// The size fit_within() gives a width x height image.
struct dimensions {
  int width = 0;
  int height = 0;
};
dimensions fitted_size(int width, int height, int max_edge);

} // namespace boocode::image
