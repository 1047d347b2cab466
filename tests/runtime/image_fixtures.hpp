#pragma once

// Fixtures for image_test.cpp, made in code: synthetic pixels through the
// module's own encoders, GIFs through giflib's encoder, containers patched
// by hand. No binary fixture files.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <gif_lib.h>

#include "runtime/image/encode.hpp"

namespace boocode::image::testing {

struct rgba_color {
  unsigned char r, g, b, a;
};

/// A width x height image: red grows left to right, green top to bottom,
/// blue is noise when `noisy` (so that a JPEG's scan data is most of the
/// file; noise also makes PNG encoding slow, hence off by default);
/// optionally the top left sixteenth is transparent.
inline pixels make_pixels(int width, int height, bool transparent_corner = false,
                          bool noisy = false) {
  pixels px;
  px.width = width;
  px.height = height;
  px.rgba.resize(rgba_size(width, height));
  std::uint32_t noise = 12345;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      noise = noise * 1103515245 + 12345;
      auto* p = &px.rgba[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                          static_cast<std::size_t>(x)) *
                         4];
      p[0] = static_cast<unsigned char>(x * 255 / width);
      p[1] = static_cast<unsigned char>(y * 255 / height);
      p[2] = noisy ? static_cast<unsigned char>(noise >> 24) : 128;
      p[3] = transparent_corner && x < width / 4 && y < height / 4 ? 0 : 255;
    }
  px.has_alpha = transparent_corner;
  return px;
}

inline pixels solid(int width, int height, rgba_color c) {
  pixels px;
  px.width = width;
  px.height = height;
  for (int i = 0; i < width * height; ++i)
    px.rgba.insert(px.rgba.end(), {c.r, c.g, c.b, c.a});
  px.has_alpha = c.a != 255;
  return px;
}

inline rgba_color pixel_at(const pixels& px, int x, int y) {
  const auto* p = &px.rgba[(static_cast<std::size_t>(y) * static_cast<std::size_t>(px.width) +
                            static_cast<std::size_t>(x)) *
                           4];
  return {p[0], p[1], p[2], p[3]};
}

inline std::string bytes_of(std::variant<encoded, std::string> result) {
  if (auto* error = std::get_if<std::string>(&result)) {
    ADD_FAILURE() << *error;
    return {};
  }
  return std::get<encoded>(std::move(result)).bytes;
}

inline std::string png_of(const pixels& px) {
  return bytes_of(encode_png(px));
}
inline std::string jpeg_of(const pixels& px) {
  return bytes_of(encode_jpeg(px, 90));
}
inline std::string webp_of(const pixels& px) {
  return bytes_of(encode_webp(px, 80.0f));
}

template <class T>
T value_of(std::variant<T, std::string> result) {
  if (auto* error = std::get_if<std::string>(&result)) {
    ADD_FAILURE() << *error;
    return T{};
  }
  return std::get<T>(std::move(result));
}

inline std::string error_of(auto result) {
  if (auto* error = std::get_if<std::string>(&result))
    return *error;
  ADD_FAILURE() << "expected an error";
  return {};
}

// --- GIF fixtures (giflib's encoder) ----------------------------------------

inline int append_to_string(GifFileType* gif, const GifByteType* data, int size) {
  static_cast<std::string*>(gif->UserData)
    ->append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
  return size;
}

/// A frame of a test GIF: its palette indices, row by row.
struct gif_frame {
  std::vector<std::vector<GifPixelType>> rows;
  int transparent = NO_TRANSPARENT_COLOR;
  bool interlace = false;
};

/// Palette: 0 red, 1 green, 2 blue, 3 white.
inline std::string make_gif(int width, int height, const std::vector<gif_frame>& frames,
                            bool with_trailer = true) {
  std::string out;
  int error = 0;
  GifFileType* gif = EGifOpen(&out, append_to_string, &error);
  EXPECT_NE(gif, nullptr) << GifErrorString(error);
  EGifSetGifVersion(gif, true);
  const GifColorType colors[4] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}};
  ColorMapObject* palette = GifMakeMapObject(4, colors);
  EXPECT_EQ(EGifPutScreenDesc(gif, width, height, 8, 0, palette), GIF_OK);
  GifFreeMapObject(palette);
  for (const auto& frame : frames) {
    GraphicsControlBlock control{DISPOSAL_UNSPECIFIED, false, 10, frame.transparent};
    GifByteType extension[4];
    const size_t length = EGifGCBToExtension(&control, extension);
    EXPECT_EQ(EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(length), extension),
              GIF_OK);
    EXPECT_EQ(EGifPutImageDesc(gif, 0, 0, width, height, frame.interlace, nullptr), GIF_OK);
    std::vector<int> order;
    if (frame.interlace) {
      for (int pass = 0, offsets[] = {0, 4, 2, 1}, steps[] = {8, 8, 4, 2}; pass < 4; ++pass)
        for (int y = offsets[pass]; y < height; y += steps[pass])
          order.push_back(y);
    } else {
      for (int y = 0; y < height; ++y)
        order.push_back(y);
    }
    for (int y : order) {
      auto row = frame.rows[static_cast<std::size_t>(y)];
      EXPECT_EQ(EGifPutLine(gif, row.data(), width), GIF_OK);
    }
  }
  EXPECT_EQ(EGifCloseFile(gif, &error), GIF_OK);
  if (!with_trailer && !out.empty() && out.back() == ';')
    out.pop_back();
  return out;
}

inline gif_frame filled_frame(int width, int height, GifPixelType index) {
  gif_frame frame;
  frame.rows.assign(static_cast<std::size_t>(height),
                    std::vector<GifPixelType>(static_cast<std::size_t>(width), index));
  return frame;
}

// --- byte patching ------------------------------------------------------------

inline void put_be32(std::string& bytes, std::size_t at, std::uint32_t value) {
  for (int i = 0; i < 4; ++i)
    bytes[at + static_cast<std::size_t>(i)] = static_cast<char>(value >> (24 - 8 * i));
}

inline std::uint32_t crc32_of(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const char c : data) {
    const auto byte = static_cast<unsigned char>(c);
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

/// A valid small PNG whose IHDR (with a correct CRC) claims another size.
inline std::string png_claiming(std::uint32_t width, std::uint32_t height) {
  std::string png = png_of(make_pixels(8, 8));
  put_be32(png, 16, width);
  put_be32(png, 20, height);
  put_be32(png, 29, crc32_of(std::string_view{png}.substr(12, 17)));
  return png;
}

inline std::string le(std::uint32_t value, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i)
    out += static_cast<char>(value >> (8 * i));
  return out;
}

inline std::string riff_chunk(std::string_view fourcc, std::string_view payload) {
  std::string out(fourcc);
  out += le(static_cast<std::uint32_t>(payload.size()), 4);
  out += payload;
  if (payload.size() % 2 != 0)
    out += '\0';
  return out;
}

/// An animated WebP assembled from still lossy frames (the container is
/// simple; libwebpmux's encoder would be one more library to link).
inline std::string animated_webp(int width, int height, const std::vector<pixels>& frames) {
  std::string body = riff_chunk("VP8X", "\x02" + std::string(3, '\0') +
                                          le(static_cast<std::uint32_t>(width - 1), 3) +
                                          le(static_cast<std::uint32_t>(height - 1), 3));
  body += riff_chunk("ANIM", le(0, 4) + le(0, 2));
  for (const auto& frame : frames) {
    const std::string still = webp_of(frame);
    EXPECT_EQ(still.substr(12, 4), "VP8 "); // a simple-format lossy file
    std::string anmf = le(0, 3) + le(0, 3) + le(static_cast<std::uint32_t>(frame.width - 1), 3) +
                       le(static_cast<std::uint32_t>(frame.height - 1), 3) + le(100, 3) +
                       std::string(1, '\0');
    anmf += still.substr(12);
    body += riff_chunk("ANMF", anmf);
  }
  return "RIFF" + le(static_cast<std::uint32_t>(body.size() + 4), 4) + "WEBP" + body;
}

/// A JPEG with an EXIF APP1 segment giving `orientation`, put after SOI.
inline std::string with_exif_orientation(std::string jpeg, int orientation) {
  std::string tiff = "MM";
  tiff += std::string("\0*", 2);
  tiff += std::string("\0\0\0\x08", 4);               // IFD0 at offset 8
  tiff += std::string("\0\x01", 2);                   // one entry
  tiff += std::string("\x01\x12\0\x03\0\0\0\x01", 8); // orientation, SHORT, count 1
  tiff += std::string{'\0', static_cast<char>(orientation), '\0', '\0'};
  tiff += std::string(4, '\0'); // no next IFD
  const std::string body = std::string("Exif\0\0", 6) + tiff;
  std::string segment = "\xFF\xE1";
  segment += static_cast<char>((body.size() + 2) >> 8);
  segment += static_cast<char>((body.size() + 2) & 0xFF);
  segment += body;
  return jpeg.insert(2, segment);
}

} // namespace boocode::image::testing
