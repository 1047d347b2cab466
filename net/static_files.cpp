#include "net/static_files.hpp"

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace boocode::net {

namespace {

bool read_file(const fs::path& file, std::string& out) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = std::move(ss).str();
  return true;
}

/// The file under `root` that `path` names, or nothing if it would escape
/// root or is not a regular file.
std::optional<fs::path> resolve(const fs::path& root, const std::string& path) {
  fs::path rel = fs::path(path).relative_path().lexically_normal();
  if (rel.empty() || *rel.begin() == "..")
    return std::nullopt;
  for (auto& part : rel)
    if (part == "..")
      return std::nullopt;
  auto file = root / rel;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    return std::nullopt;
  return file;
}

} // namespace

std::string content_type_for(const fs::path& file) {
  static const std::pair<const char*, const char*> types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
  };
  auto ext = file.extension().string();
  for (auto& [e, t] : types)
    if (ext == e)
      return t;
  return "application/octet-stream";
}

http_response serve_static(const fs::path& web_dir, const http_request& req) {
  auto index = web_dir / "index.html";
  auto file = resolve(web_dir, req.path);
  bool is_index = !file;
  // Client-side routes (/chats/42) get the app; a missing file (/assets/x.js) is a 404,
  // so a stale page fails loudly instead of parsing HTML as JavaScript.
  if (is_index && fs::path(req.path).has_extension())
    return http_response{404, "text/plain; charset=utf-8", "not found\n", {}};
  if (is_index)
    file = index;
  http_response res;
  if (!read_file(*file, res.body))
    return json_error(503, "web_app_missing",
                      "the web app is not built: run scripts/setup or npm run build in web/");
  res.content_type = content_type_for(*file);
  // Vite fingerprints files under assets/; index.html must always be revalidated.
  bool fingerprinted = !is_index && req.path.rfind("/assets/", 0) == 0;
  res.headers.emplace_back("Cache-Control",
                           fingerprinted ? "public, max-age=31536000, immutable" : "no-cache");
  return res;
}

} // namespace boocode::net
