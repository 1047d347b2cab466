#include "runtime/tools/text.hpp"

namespace boocode::tools {

namespace {

/// Length of the valid UTF-8 sequence at the start of `s`, or 0 if none
/// (overlong forms, surrogates and code points past U+10FFFF are invalid).
size_t sequence_length(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b0 = byte(0);
  if (b0 < 0x80)
    return 1;
  size_t len = b0 >= 0xC2 && b0 <= 0xDF   ? 2
               : b0 >= 0xE0 && b0 <= 0xEF ? 3
               : b0 >= 0xF0 && b0 <= 0xF4 ? 4
                                          : 0;
  if (len == 0 || s.size() < len)
    return 0;
  for (size_t i = 1; i < len; ++i)
    if ((byte(i) & 0xC0) != 0x80)
      return 0;
  unsigned char b1 = byte(1);
  if ((b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xED && b1 > 0x9F) || (b0 == 0xF0 && b1 < 0x90) ||
      (b0 == 0xF4 && b1 > 0x8F))
    return 0;
  return len;
}

} // namespace

bool looks_binary(std::string_view data) {
  return data.substr(0, 8192).find('\0') != std::string_view::npos;
}

std::string valid_utf8(std::string_view data) {
  std::string out;
  out.reserve(data.size());
  while (!data.empty()) {
    if (size_t n = sequence_length(data)) {
      out.append(data.substr(0, n));
      data.remove_prefix(n);
    } else {
      out.append("\xEF\xBF\xBD");
      data.remove_prefix(1);
    }
  }
  return out;
}

std::string_view clip_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes)
    return text;
  size_t cut = max_bytes;
  // Step back over continuation bytes to the start of the cut sequence.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  return text.substr(0, cut);
}

} // namespace boocode::tools
