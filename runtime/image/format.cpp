#include "runtime/image/format.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace boocode::image {

std::string_view media_type(format fmt) {
  switch (fmt) {
    case format::png:
      return "image/png";
    case format::jpeg:
      return "image/jpeg";
    case format::webp:
      return "image/webp";
    case format::gif:
      return "image/gif";
  }
  return "application/octet-stream";
}

std::string_view format_name(format fmt) {
  switch (fmt) {
    case format::png:
      return "PNG";
    case format::jpeg:
      return "JPEG";
    case format::webp:
      return "WebP";
    case format::gif:
      return "GIF";
  }
  return "image";
}

std::optional<format> sniff(std::string_view bytes) {
  using namespace std::string_view_literals;
  if (bytes.starts_with("\x89PNG\r\n\x1a\n"sv))
    return format::png;
  if (bytes.starts_with("\xff\xd8\xff"sv))
    return format::jpeg;
  if (bytes.starts_with("GIF87a"sv) || bytes.starts_with("GIF89a"sv))
    return format::gif;
  // "RIFF", a 4-byte little-endian size, then the form type.
  if (bytes.size() >= 12 && bytes.starts_with("RIFF"sv) && bytes.substr(8, 4) == "WEBP"sv)
    return format::webp;
  return std::nullopt;
}

std::optional<format> format_of_media_type(std::string_view text) {
  text = text.substr(0, text.find(';'));
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  std::string lower(text);
  std::ranges::transform(lower, lower.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "image/png")
    return format::png;
  if (lower == "image/jpeg" || lower == "image/jpg")
    return format::jpeg;
  if (lower == "image/webp")
    return format::webp;
  if (lower == "image/gif")
    return format::gif;
  return std::nullopt;
}

} // namespace boocode::image
