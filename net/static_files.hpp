#pragma once

#include <filesystem>

#include "net/http_types.hpp"

namespace boocode::net {

/// Serves the built web app from `web_dir` for GET and HEAD: a file that
/// exists is sent with its content type; a missing path without an extension
/// gets index.html, so the app's client-side routes work on reload; a missing
/// file with an extension gets 404. Paths never leave web_dir.
/// Answers 503 JSON when the web app is not built.
http_response serve_static(const std::filesystem::path& web_dir, const http_request& req);

/// The Content-Type for a file name's extension.
std::string content_type_for(const std::filesystem::path& file);

} // namespace boocode::net
