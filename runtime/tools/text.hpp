#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace boocode::tools {

/// True if `data` looks binary: a NUL byte in its first 8 KiB (git's rule).
bool looks_binary(std::string_view data);

/// `data` with each invalid UTF-8 byte replaced by U+FFFD. Tool output goes
/// into JSON, and nlohmann::json refuses to serialise invalid UTF-8.
std::string valid_utf8(std::string_view data);

/// The longest prefix of `text` of at most `max_bytes` that does not cut a
/// UTF-8 sequence in two.
std::string_view clip_utf8(std::string_view text, std::size_t max_bytes);

} // namespace boocode::tools
