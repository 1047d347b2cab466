#pragma once

#include <optional>
#include <string_view>

namespace boocode::image {

// The image formats a chat attachment may have. Nothing outside this folder
// needs the codec libraries: callers see formats, pixels and byte strings.

enum class format { png, jpeg, webp, gif };

/// The IANA media type: "image/png", "image/jpeg", "image/webp", "image/gif".
std::string_view media_type(format fmt);

/// A short name for messages: "PNG", "JPEG", "WebP", "GIF".
std::string_view format_name(format fmt);

/// The format `bytes` start like, by magic bytes alone (a file's name or
/// claimed media type plays no part); nothing for anything else.
std::optional<format> sniff(std::string_view bytes);

/// The format a media type names, ignoring case and parameters
/// ("image/JPEG; q=1"); "image/jpg" is accepted as a common misspelling.
std::optional<format> format_of_media_type(std::string_view media_type);

} // namespace boocode::image
