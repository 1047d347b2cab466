#include <cstring>
#include <memory>

#include <webp/decode.h>
#include <webp/demux.h>

#include "runtime/image/codecs.hpp"

// WebP through libwebp: still images with WebPDecode, the first frame of an
// animation with libwebpdemux's WebPAnimDecoder.

namespace boocode::image::detail {
namespace {

const std::uint8_t* as_bytes(std::string_view bytes) {
  return reinterpret_cast<const std::uint8_t*>(bytes.data());
}

std::string_view status_text(VP8StatusCode status) {
  switch (status) {
    case VP8_STATUS_OK:
      return "no error";
    case VP8_STATUS_OUT_OF_MEMORY:
      return "out of memory";
    case VP8_STATUS_INVALID_PARAM:
      return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR:
      return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE:
      return "unsupported feature";
    case VP8_STATUS_SUSPENDED:
      return "decoding suspended";
    case VP8_STATUS_USER_ABORT:
      return "decoding aborted";
    case VP8_STATUS_NOT_ENOUGH_DATA:
      return "the data ends too early";
  }
  return "unknown error";
}

std::variant<WebPBitstreamFeatures, std::string> features_of(std::string_view bytes) {
  WebPBitstreamFeatures features{};
  const VP8StatusCode status = WebPGetFeatures(as_bytes(bytes), bytes.size(), &features);
  if (status != VP8_STATUS_OK)
    return corrupt(format::webp, status_text(status));
  if (features.width <= 0 || features.height <= 0)
    return corrupt(format::webp, "the size is out of range");
  return features;
}

struct anim_decoder_deleter {
  void operator()(WebPAnimDecoder* decoder) const { WebPAnimDecoderDelete(decoder); }
};

/// The first frame composed on the animation's canvas (transparent where the
/// frame does not reach, as browsers show it).
std::variant<pixels, std::string> first_frame(std::string_view bytes) {
  WebPAnimDecoderOptions options;
  if (WebPAnimDecoderOptionsInit(&options) == 0)
    return std::string("the WebP animation decoder could not start");
  options.color_mode = MODE_RGBA;
  options.use_threads = 0;
  const WebPData data{as_bytes(bytes), bytes.size()};
  // Fails on truncated data: the demuxer is not asked to accept partial files.
  std::unique_ptr<WebPAnimDecoder, anim_decoder_deleter> decoder(
    WebPAnimDecoderNew(&data, &options));
  if (!decoder)
    return corrupt(format::webp, "the animation cannot be read");
  WebPAnimInfo info{};
  if (WebPAnimDecoderGetInfo(decoder.get(), &info) == 0 || info.canvas_width == 0 ||
      info.canvas_height == 0 || info.frame_count == 0)
    return corrupt(format::webp, "the animation has no frames");
  std::uint8_t* canvas = nullptr;
  int timestamp = 0;
  if (WebPAnimDecoderGetNext(decoder.get(), &canvas, &timestamp) == 0 || canvas == nullptr)
    return corrupt(format::webp, "the first frame does not decode");
  pixels out;
  out.width = static_cast<int>(info.canvas_width);
  out.height = static_cast<int>(info.canvas_height);
  out.rgba.assign(canvas, canvas + rgba_size(out.width, out.height));
  out.has_alpha = any_transparent(out.rgba);
  return out;
}

} // namespace

std::variant<header, std::string> webp_header(std::string_view bytes) {
  auto features = features_of(bytes);
  if (auto* error = std::get_if<std::string>(&features))
    return std::move(*error);
  const auto& f = std::get<WebPBitstreamFeatures>(features);
  return header{format::webp, f.width, f.height, f.has_animation != 0, 1};
}

std::variant<pixels, std::string> webp_decode(std::string_view bytes) {
  auto features = features_of(bytes);
  if (auto* error = std::get_if<std::string>(&features))
    return std::move(*error);
  const auto& f = std::get<WebPBitstreamFeatures>(features);
  if (f.has_animation != 0)
    return first_frame(bytes);
  pixels out;
  out.width = f.width;
  out.height = f.height;
  out.rgba.resize(rgba_size(f.width, f.height));
  WebPDecoderConfig config;
  if (WebPInitDecoderConfig(&config) == 0)
    return std::string("the WebP decoder could not start");
  config.output.colorspace = MODE_RGBA;
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba = out.rgba.data();
  config.output.u.RGBA.stride = f.width * 4;
  config.output.u.RGBA.size = out.rgba.size();
  // The non-incremental decoder refuses data that ends early.
  const VP8StatusCode status = WebPDecode(as_bytes(bytes), bytes.size(), &config);
  WebPFreeDecBuffer(&config.output);
  if (status != VP8_STATUS_OK)
    return corrupt(format::webp, status_text(status));
  out.has_alpha = f.has_alpha != 0 && any_transparent(out.rgba);
  return out;
}

} // namespace boocode::image::detail
