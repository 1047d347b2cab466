#include <algorithm>
#include <cstring>
#include <memory>

#include <gif_lib.h>

#include "runtime/image/codecs.hpp"

// GIF through giflib's record-level reader rather than DGifSlurp: slurping
// decodes every frame into memory, so a long animation of big frames would
// cost gigabytes after passing the size check. Here only the first frame is
// decoded; later frames are skipped without decompressing, just counted.

namespace boocode::image::detail {
namespace {

struct memory_source {
  std::string_view bytes;
  std::size_t pos = 0;
};

/// giflib's read callback; a short count means the data ended early.
int read_memory(GifFileType* gif, GifByteType* out, int wanted) {
  auto* source = static_cast<memory_source*>(gif->UserData);
  const std::size_t left = source->bytes.size() - source->pos;
  const std::size_t count = std::min(left, static_cast<std::size_t>(std::max(wanted, 0)));
  std::memcpy(out, source->bytes.data() + source->pos, count);
  source->pos += count;
  return static_cast<int>(count);
}

struct gif_closer {
  void operator()(GifFileType* gif) const {
    int error = 0;
    DGifCloseFile(gif, &error);
  }
};
using gif_ptr = std::unique_ptr<GifFileType, gif_closer>;

std::string gif_error(int code) {
  const char* text = GifErrorString(code);
  return corrupt(format::gif, text != nullptr ? text : "unknown error");
}

/// Skips an image's compressed data without decoding it.
bool skip_image_data(GifFileType* gif) {
  int code_size = 0;
  GifByteType* block = nullptr;
  if (DGifGetCode(gif, &code_size, &block) == GIF_ERROR)
    return false;
  while (block != nullptr)
    if (DGifGetCodeNext(gif, &block) == GIF_ERROR)
      return false;
  return true;
}

/// Decodes the current image's indices onto `canvas` (already sized to hold
/// the image), in interlaced row order when the image is interlaced.
/// Transparent pixels leave the canvas as it is.
bool draw_image(GifFileType* gif, int transparent, pixels& canvas) {
  const GifImageDesc& desc = gif->Image;
  const ColorMapObject* map = desc.ColorMap != nullptr ? desc.ColorMap : gif->SColorMap;
  std::vector<GifPixelType> line(static_cast<std::size_t>(desc.Width));
  auto put_row = [&](int y) {
    const int cy = desc.Top + y;
    for (int x = 0; x < desc.Width; ++x) {
      const int index = line[static_cast<std::size_t>(x)];
      if (index == transparent)
        continue;
      const int cx = desc.Left + x;
      auto* px =
        &canvas.rgba[(static_cast<std::size_t>(cy) * static_cast<std::size_t>(canvas.width) +
                      static_cast<std::size_t>(cx)) *
                     4];
      // An index past the color map shows black, as in browsers.
      if (map != nullptr && index < map->ColorCount) {
        px[0] = map->Colors[index].Red;
        px[1] = map->Colors[index].Green;
        px[2] = map->Colors[index].Blue;
      }
      px[3] = 255;
    }
  };
  auto read_row = [&](int y) {
    if (DGifGetLine(gif, line.data(), desc.Width) == GIF_ERROR)
      return false;
    put_row(y);
    return true;
  };
  if (desc.Interlace) {
    static constexpr int offsets[] = {0, 4, 2, 1}, steps[] = {8, 8, 4, 2};
    for (int pass = 0; pass < 4; ++pass)
      for (int y = offsets[pass]; y < desc.Height; y += steps[pass])
        if (!read_row(y))
          return false;
  } else {
    for (int y = 0; y < desc.Height; ++y)
      if (!read_row(y))
        return false;
  }
  return true;
}

struct scan_result {
  header head;
  pixels first; // empty unless asked to decode
};

/// Walks the records of a GIF. The canvas is the logical screen, grown to
/// hold the first frame if that frame sticks out (browsers do the same).
/// Once the first frame is read, a damaged or missing tail only ends the
/// count of frames: a GIF without its trailer byte is common and displays.
std::variant<scan_result, std::string> scan(std::string_view bytes, bool decode_first) {
  memory_source source{bytes};
  int error = 0;
  gif_ptr gif(DGifOpen(&source, read_memory, &error));
  if (!gif)
    return gif_error(error);
  scan_result result;
  result.head.fmt = format::gif;
  GraphicsControlBlock control{};
  control.TransparentColor = NO_TRANSPARENT_COLOR;
  int frames = 0;
  for (;;) {
    GifRecordType record = UNDEFINED_RECORD_TYPE;
    if (DGifGetRecordType(gif.get(), &record) == GIF_ERROR) {
      if (frames > 0)
        break;
      return gif_error(gif->Error);
    }
    if (record == TERMINATE_RECORD_TYPE)
      break;
    if (record == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType* block = nullptr;
      bool ok = DGifGetExtension(gif.get(), &code, &block) != GIF_ERROR;
      // The Graphics Control Block before the first image gives its
      // transparent index.
      if (ok && frames == 0 && code == GRAPHICS_EXT_FUNC_CODE && block != nullptr)
        DGifExtensionToGCB(block[0], block + 1, &control);
      while (ok && block != nullptr)
        ok = DGifGetExtensionNext(gif.get(), &block) != GIF_ERROR;
      if (!ok) {
        if (frames > 0)
          break;
        return gif_error(gif->Error);
      }
      continue;
    }
    if (record != IMAGE_DESC_RECORD_TYPE)
      continue;
    if (DGifGetImageDesc(gif.get()) == GIF_ERROR) {
      if (frames > 0)
        break;
      return gif_error(gif->Error);
    }
    if (++frames > 1)
      break; // two frames are enough to call it animated
    const GifImageDesc& desc = gif->Image;
    if (desc.Left < 0 || desc.Top < 0 || desc.Width < 0 || desc.Height < 0)
      return corrupt(format::gif, "the first frame has a negative position or size");
    result.head.width = std::max(gif->SWidth, desc.Left + desc.Width);
    result.head.height = std::max(gif->SHeight, desc.Top + desc.Height);
    if (result.head.width <= 0 || result.head.height <= 0)
      return corrupt(format::gif, "the image has no pixels");
    const bool draw = decode_first && desc.Width > 0 && desc.Height > 0;
    if (decode_first) {
      result.first.width = result.head.width;
      result.first.height = result.head.height;
      result.first.rgba.assign(rgba_size(result.head.width, result.head.height), 0);
    }
    if (!(draw ? draw_image(gif.get(), control.TransparentColor, result.first)
               : skip_image_data(gif.get())))
      return gif_error(gif->Error);
  }
  if (frames == 0)
    return corrupt(format::gif, "there is no image in it");
  result.head.animated = frames > 1;
  if (decode_first)
    result.first.has_alpha = any_transparent(result.first.rgba);
  return result;
}

} // namespace

std::variant<header, std::string> gif_header(std::string_view bytes) {
  auto result = scan(bytes, false);
  if (auto* error = std::get_if<std::string>(&result))
    return std::move(*error);
  return std::get<scan_result>(result).head;
}

std::variant<pixels, std::string> gif_decode(std::string_view bytes) {
  auto result = scan(bytes, true);
  if (auto* error = std::get_if<std::string>(&result))
    return std::move(*error);
  return std::move(std::get<scan_result>(result).first);
}

} // namespace boocode::image::detail
