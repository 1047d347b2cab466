#include "runtime/image/prepare.hpp"

#include <algorithm>
#include <new>
#include <stdexcept>
#include <utility>

#include "runtime/image/decode.hpp"
#include "runtime/image/encode.hpp"
#include "runtime/image/resize.hpp"

namespace boocode::image {
namespace {

std::string size_text(std::int64_t width, std::int64_t height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

/// The sentence refusing an image of this size, if it is too large.
std::optional<std::string> too_large(const header& head, const limits& lim) {
  const std::int64_t width = head.width, height = head.height;
  if (std::max(width, height) > lim.max_edge)
    return "the image is " + size_text(width, height) + " pixels; its longer side may be at most " +
           std::to_string(lim.max_edge);
  if (width * height > lim.max_pixels)
    return "the image is " + size_text(width, height) + " pixels, " +
           std::to_string(width * height) + " in all; at most " + std::to_string(lim.max_pixels) +
           " are allowed";
  return std::nullopt;
}

std::variant<variant_image, std::string> make_copy(const pixels& px, format fmt) {
  auto result = fmt == format::webp  ? encode_webp(px, 75.0f)
                : fmt == format::png ? encode_png(px)
                                     : encode_jpeg(px, 85);
  if (auto* error = std::get_if<std::string>(&result))
    return std::move(*error);
  auto& out = std::get<encoded>(result);
  return variant_image{std::move(out.bytes), out.fmt, px.width, px.height};
}

std::variant<prepared, std::string> prepare_checked(std::string_view bytes, const header& head,
                                                    const limits& lim) {
  auto decoded = decode(bytes);
  if (auto* error = std::get_if<std::string>(&decoded))
    return std::move(*error);
  pixels& full = std::get<pixels>(decoded);

  prepared out;
  out.fmt = head.fmt;
  out.width = full.width;
  out.height = full.height;
  out.animated = head.animated;

  const bool model_reads_original = (head.fmt == format::png || head.fmt == format::jpeg) &&
                                    !head.animated && head.orientation == 1 &&
                                    std::max(full.width, full.height) <= lim.model_edge;
  // The thumbnail is made from the model copy when there is one: it is
  // smaller, so rescaling it is cheaper, and looks the same at thumbnail size.
  pixels model_pixels;
  const pixels* thumbnail_source = &full;
  if (!model_reads_original) {
    model_pixels = fit_within(std::move(full), lim.model_edge);
    thumbnail_source = &model_pixels;
    auto copy = make_copy(model_pixels, model_pixels.has_alpha ? format::png : format::jpeg);
    if (auto* error = std::get_if<std::string>(&copy))
      return std::move(*error);
    out.model_copy = std::move(std::get<variant_image>(copy));
  }
  auto thumbnail = make_copy(fit_within(*thumbnail_source, lim.thumbnail_edge), format::webp);
  if (auto* error = std::get_if<std::string>(&thumbnail))
    return std::move(*error);
  out.thumbnail = std::move(std::get<variant_image>(thumbnail));
  return out;
}

} // namespace

std::variant<prepared, std::string> prepare(std::string_view bytes, const limits& lim) {
  auto head = read_header(bytes);
  if (auto* error = std::get_if<std::string>(&head))
    return std::move(*error);
  const header& checked = std::get<header>(head);
  if (auto refusal = too_large(checked, lim))
    return std::move(*refusal);
  try {
    return prepare_checked(bytes, checked, lim);
  } catch (const std::bad_alloc&) {
    return std::string("there is not enough memory to process the image");
  }
}

} // namespace boocode::image
