#include "runtime/image/decode.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>
#include <new>
#include <stdexcept>
#include <utility>

#include <png.h>
#include <turbojpeg.h>

#include "runtime/image/codecs.hpp"

// The dispatch on format, and the PNG (libpng's simplified API) and JPEG
// (TurboJPEG) readers; WebP and GIF live in decode_webp.cpp and decode_gif.cpp.

namespace boocode::image {
namespace detail {

std::string corrupt(format fmt, std::string_view detail) {
  std::string out = "the ";
  out += format_name(fmt);
  out += " data is truncated or corrupt";
  if (!detail.empty()) {
    out += ": ";
    out += detail;
  }
  return out;
}

bool any_transparent(const std::vector<unsigned char>& rgba) {
  for (std::size_t i = 3; i < rgba.size(); i += 4)
    if (rgba[i] != 255)
      return true;
  return false;
}

} // namespace detail

namespace {

using detail::corrupt;

// --- PNG --------------------------------------------------------------------

/// Owns a png_image between begin_read and finish_read (which frees it itself;
/// png_image_free is then a no-op).
struct png_reader {
  png_image image{};
  png_reader() { image.version = PNG_IMAGE_VERSION; }
  ~png_reader() { png_image_free(&image); }
  png_reader(const png_reader&) = delete;
  png_reader& operator=(const png_reader&) = delete;
};

std::string png_message(const png_image& image) {
  return image.message[0] != '\0' ? std::string(image.message) : std::string("unknown error");
}

/// True if an acTL chunk comes before the first IDAT: an animated PNG, whose
/// extra frames libpng ignores (it reads the default image).
bool png_is_animated(std::string_view bytes) {
  std::size_t pos = 8;
  while (pos + 8 <= bytes.size()) {
    auto byte = [&](std::size_t i) {
      return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[pos + i]));
    };
    const std::uint32_t length = byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
    const std::string_view type = bytes.substr(pos + 4, 4);
    if (type == "acTL")
      return true;
    if (type == "IDAT")
      return false;
    if (length > bytes.size() - pos - 8)
      return false;
    pos += std::size_t{length} + 12;
  }
  return false;
}

std::variant<header, std::string> png_header(std::string_view bytes) {
  png_reader reader;
  if (png_image_begin_read_from_memory(&reader.image, bytes.data(), bytes.size()) == 0)
    return corrupt(format::png, png_message(reader.image));
  if (reader.image.width > INT_MAX || reader.image.height > INT_MAX)
    return corrupt(format::png, "the size is out of range");
  return header{format::png, static_cast<int>(reader.image.width),
                static_cast<int>(reader.image.height), png_is_animated(bytes), 1};
}

std::variant<pixels, std::string> png_decode(std::string_view bytes) {
  png_reader reader;
  png_image& image = reader.image;
  if (png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()) == 0)
    return corrupt(format::png, png_message(image));
  if (image.width > INT_MAX || image.height > INT_MAX)
    return corrupt(format::png, "the size is out of range");
  // The format after begin_read has the alpha flag for an alpha channel and
  // for a tRNS chunk alike.
  const bool declares_alpha = (image.format & PNG_FORMAT_FLAG_ALPHA) != 0;
  pixels out;
  out.width = static_cast<int>(image.width);
  out.height = static_cast<int>(image.height);
  out.rgba.resize(rgba_size(out.width, out.height));
  image.format = PNG_FORMAT_RGBA;
  // Reading past the end of the data is an error here (not a short image),
  // so a truncated file fails.
  if (png_image_finish_read(&image, nullptr, out.rgba.data(), 0, nullptr) == 0 ||
      (image.warning_or_error & PNG_IMAGE_ERROR) != 0)
    return corrupt(format::png, png_message(image));
  out.has_alpha = declares_alpha && detail::any_transparent(out.rgba);
  return out;
}

// --- JPEG -------------------------------------------------------------------

struct tj_deleter {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using tj_ptr = std::unique_ptr<void, tj_deleter>;

const unsigned char* as_bytes(std::string_view bytes) {
  return reinterpret_cast<const unsigned char*>(bytes.data());
}

/// TurboJPEG reports a data stream that ends early only as a warning, after
/// filling the rest of the image with grey; those warnings refuse the image.
/// Others (extraneous bytes between markers, say) leave a complete picture
/// and are common in photos that every viewer shows.
bool is_truncation(std::string_view message) {
  return message.find("remature end") != std::string_view::npos;
}

/// CMYK JPEGs (nearly all written by Adobe software, which stores the
/// channels inverted) to RGBA, as browsers do it, without a colour profile.
void cmyk_to_rgba(std::vector<unsigned char>& buffer) {
  for (std::size_t i = 0; i + 3 < buffer.size(); i += 4) {
    const unsigned k = buffer[i + 3];
    for (std::size_t c = 0; c < 3; ++c)
      buffer[i + c] = static_cast<unsigned char>((buffer[i + c] * k + 127) / 255);
    buffer[i + 3] = 255;
  }
}

struct jpeg_info {
  int width = 0;
  int height = 0;
  int colorspace = 0;
};

std::variant<jpeg_info, std::string> jpeg_read_info(tjhandle handle, std::string_view bytes) {
  jpeg_info info;
  int subsampling = 0;
  if (tjDecompressHeader3(handle, as_bytes(bytes), bytes.size(), &info.width, &info.height,
                          &subsampling, &info.colorspace) != 0)
    return corrupt(format::jpeg, tjGetErrorStr2(handle));
  // Data that ends before the frame header is only a warning here, with a
  // size of 0x0 and success returned.
  if (info.width <= 0 || info.height <= 0)
    return corrupt(format::jpeg, tjGetErrorStr2(handle));
  return info;
}

std::variant<header, std::string> jpeg_header(std::string_view bytes) {
  tj_ptr handle(tjInitDecompress());
  if (!handle)
    return std::string("the JPEG decoder could not start");
  auto info = jpeg_read_info(handle.get(), bytes);
  if (auto* error = std::get_if<std::string>(&info))
    return std::move(*error);
  const auto& [width, height, colorspace] = std::get<jpeg_info>(info);
  const int orientation = detail::jpeg_orientation(bytes);
  const bool swap = detail::swaps_axes(orientation);
  return header{format::jpeg, swap ? height : width, swap ? width : height, false, orientation};
}

std::variant<pixels, std::string> jpeg_decode(std::string_view bytes) {
  tj_ptr handle(tjInitDecompress());
  if (!handle)
    return std::string("the JPEG decoder could not start");
  auto info = jpeg_read_info(handle.get(), bytes);
  if (auto* error = std::get_if<std::string>(&info))
    return std::move(*error);
  const auto& [width, height, colorspace] = std::get<jpeg_info>(info);
  pixels out;
  out.width = width;
  out.height = height;
  out.rgba.resize(rgba_size(width, height));
  // TurboJPEG cannot turn CMYK into RGB itself.
  const bool cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  // LIMITSCANS refuses progressive files with absurd scan counts, a known
  // way to make decoding take minutes.
  if (tjDecompress2(handle.get(), as_bytes(bytes), bytes.size(), out.rgba.data(), width, 0, height,
                    cmyk ? TJPF_CMYK : TJPF_RGBA, TJFLAG_LIMITSCANS) != 0) {
    const std::string message = tjGetErrorStr2(handle.get());
    if (tjGetErrorCode(handle.get()) != TJERR_WARNING || is_truncation(message))
      return corrupt(format::jpeg, message);
  }
  if (cmyk)
    cmyk_to_rgba(out.rgba);
  return detail::apply_orientation(std::move(out), detail::jpeg_orientation(bytes));
}

/// The format of `bytes`, or why they are no image at all.
std::variant<format, std::string> format_of(std::string_view bytes) {
  if (bytes.empty())
    return std::string("the image is empty");
  if (auto fmt = sniff(bytes))
    return *fmt;
  return std::string("not a PNG, JPEG, WebP or GIF image");
}

} // namespace

std::variant<header, std::string> read_header(std::string_view bytes) {
  auto fmt = format_of(bytes);
  if (auto* why = std::get_if<std::string>(&fmt))
    return *why;
  switch (std::get<format>(fmt)) {
    case format::png:
      return png_header(bytes);
    case format::jpeg:
      return jpeg_header(bytes);
    case format::webp:
      return detail::webp_header(bytes);
    case format::gif:
      return detail::gif_header(bytes);
  }
  throw std::logic_error("read_header: unhandled image format");
}

std::variant<pixels, std::string> decode(std::string_view bytes) {
  auto fmt = format_of(bytes);
  if (auto* why = std::get_if<std::string>(&fmt))
    return *why;
  try {
    switch (std::get<format>(fmt)) {
      case format::png:
        return png_decode(bytes);
      case format::jpeg:
        return jpeg_decode(bytes);
      case format::webp:
        return detail::webp_decode(bytes);
      case format::gif:
        return detail::gif_decode(bytes);
    }
  } catch (const std::bad_alloc&) {
    return std::string("there is not enough memory to decode the image");
  } catch (const std::length_error&) {
    return std::string("the image is too large to decode");
  }
  throw std::logic_error("decode: unhandled image format");
}

} // namespace boocode::image
