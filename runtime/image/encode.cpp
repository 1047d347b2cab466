#include "runtime/image/encode.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <png.h>
#include <turbojpeg.h>
#include <webp/encode.h>

namespace boocode::image {
namespace {

std::string failed(format fmt, std::string_view detail) {
  std::string out = "the ";
  out += format_name(fmt);
  out += " image could not be written: ";
  out += detail;
  return out;
}

std::optional<std::string> check_size(const pixels& px, format fmt) {
  if (px.width <= 0 || px.height <= 0 || px.rgba.size() != rgba_size(px.width, px.height))
    return failed(fmt, "the pixels do not match the stated size");
  return std::nullopt;
}

/// The colour channels alone, for images without alpha.
std::vector<unsigned char> rgb_of(const std::vector<unsigned char>& rgba) {
  std::vector<unsigned char> rgb(rgba.size() / 4 * 3);
  for (std::size_t i = 0, o = 0; i + 3 < rgba.size(); i += 4, o += 3) {
    rgb[o] = rgba[i];
    rgb[o + 1] = rgba[i + 1];
    rgb[o + 2] = rgba[i + 2];
  }
  return rgb;
}

/// A copy composed over white, alpha set opaque.
std::vector<unsigned char> over_white(const std::vector<unsigned char>& rgba) {
  std::vector<unsigned char> out(rgba);
  for (std::size_t i = 0; i + 3 < out.size(); i += 4) {
    const unsigned alpha = out[i + 3];
    for (std::size_t c = 0; c < 3; ++c)
      out[i + c] =
        static_cast<unsigned char>((out[i + c] * alpha + 255 * (255 - alpha) + 127) / 255);
    out[i + 3] = 255;
  }
  return out;
}

struct tj_deleter {
  void operator()(void* handle) const { tjDestroy(handle); }
};

struct tj_buffer_deleter {
  void operator()(unsigned char* buffer) const { tjFree(buffer); }
};

std::string_view webp_error_text(WebPEncodingError error) {
  switch (error) {
    case VP8_ENC_OK:
      return "no error";
    case VP8_ENC_ERROR_OUT_OF_MEMORY:
    case VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY:
      return "out of memory";
    case VP8_ENC_ERROR_NULL_PARAMETER:
    case VP8_ENC_ERROR_INVALID_CONFIGURATION:
      return "invalid settings";
    case VP8_ENC_ERROR_BAD_DIMENSION:
      return "the size is beyond WebP's 16383 pixels a side";
    case VP8_ENC_ERROR_PARTITION0_OVERFLOW:
    case VP8_ENC_ERROR_PARTITION_OVERFLOW:
      return "a partition is larger than WebP allows";
    case VP8_ENC_ERROR_BAD_WRITE:
      return "the output could not be written";
    case VP8_ENC_ERROR_FILE_TOO_BIG:
      return "the file would be larger than 4 GiB";
    case VP8_ENC_ERROR_USER_ABORT:
      return "aborted";
    case VP8_ENC_ERROR_LAST:
      break;
  }
  return "unknown error";
}

/// Frees what a WebPPicture and its memory writer hold.
struct webp_output {
  WebPPicture picture{};
  WebPMemoryWriter writer{};
  webp_output() { WebPMemoryWriterInit(&writer); }
  ~webp_output() {
    WebPPictureFree(&picture);
    WebPMemoryWriterClear(&writer);
  }
  webp_output(const webp_output&) = delete;
  webp_output& operator=(const webp_output&) = delete;
};

} // namespace

std::variant<encoded, std::string> encode_png(const pixels& px) {
  if (auto error = check_size(px, format::png))
    return std::move(*error);
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(px.width);
  image.height = static_cast<png_uint_32>(px.height);
  image.format = px.has_alpha ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB;
  std::vector<unsigned char> rgb;
  if (!px.has_alpha)
    rgb = rgb_of(px.rgba);
  const void* source = px.has_alpha ? static_cast<const void*>(px.rgba.data()) : rgb.data();
  // An upper bound on the file size, so that one pass suffices.
  png_alloc_size_t size = PNG_IMAGE_PNG_SIZE_MAX(image);
  encoded out{std::string(size, '\0'), format::png};
  if (png_image_write_to_memory(&image, out.bytes.data(), &size, 0, source, 0, nullptr) == 0)
    return failed(format::png, image.message[0] != '\0' ? image.message : "unknown error");
  out.bytes.resize(size);
  return out;
}

std::variant<encoded, std::string> encode_jpeg(const pixels& px, int quality) {
  if (auto error = check_size(px, format::jpeg))
    return std::move(*error);
  std::unique_ptr<void, tj_deleter> handle(tjInitCompress());
  if (!handle)
    return failed(format::jpeg, "the encoder could not start");
  std::vector<unsigned char> flat;
  if (px.has_alpha)
    flat = over_white(px.rgba);
  const unsigned char* source = px.has_alpha ? flat.data() : px.rgba.data();
  unsigned char* buffer = nullptr; // allocated by TurboJPEG
  unsigned long size = 0;
  const int status =
    tjCompress2(handle.get(), source, px.width, 0, px.height, TJPF_RGBA, &buffer, &size, TJSAMP_420,
                std::clamp(quality, 1, 100), TJFLAG_ACCURATEDCT);
  std::unique_ptr<unsigned char, tj_buffer_deleter> owned(buffer);
  if (status != 0)
    return failed(format::jpeg, tjGetErrorStr2(handle.get()));
  return encoded{std::string(reinterpret_cast<const char*>(buffer), size), format::jpeg};
}

std::variant<encoded, std::string> encode_webp(const pixels& px, float quality) {
  if (auto error = check_size(px, format::webp))
    return std::move(*error);
  WebPConfig config;
  if (WebPConfigInit(&config) == 0)
    return failed(format::webp, "the encoder does not match its header");
  config.quality = std::clamp(quality, 0.0f, 100.0f);
  config.method = 4;
  webp_output out;
  if (WebPPictureInit(&out.picture) == 0)
    return failed(format::webp, "the encoder does not match its header");
  out.picture.width = px.width;
  out.picture.height = px.height;
  out.picture.use_argb = 1;
  const int stride = px.width * 4;
  const int imported = px.has_alpha ? WebPPictureImportRGBA(&out.picture, px.rgba.data(), stride)
                                    : WebPPictureImportRGBX(&out.picture, px.rgba.data(), stride);
  if (imported == 0)
    return failed(format::webp, webp_error_text(out.picture.error_code));
  out.picture.writer = WebPMemoryWrite;
  out.picture.custom_ptr = &out.writer;
  if (WebPEncode(&config, &out.picture) == 0)
    return failed(format::webp, webp_error_text(out.picture.error_code));
  return encoded{std::string(reinterpret_cast<const char*>(out.writer.mem), out.writer.size),
                 format::webp};
}

} // namespace boocode::image
