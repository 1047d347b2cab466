#include "runtime/step_cache/workspace_state.hpp"

#include <algorithm>
#include <array>
#include <fstream>

#include "runtime/digest.hpp"
#include "runtime/tools/file_walk.hpp"
#include "runtime/tools/text.hpp"

namespace fs = std::filesystem;

namespace boocode::step_cache {

file_hash hash_file(const fs::path& absolute) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::status(absolute, ec)))
    return {};
  std::ifstream in(absolute, std::ios::binary);
  if (!in)
    return {};
  sha256 h;
  std::array<char, 65536> chunk{};
  while (in) {
    in.read(chunk.data(), chunk.size());
    h.update({chunk.data(), static_cast<std::size_t>(in.gcount())});
  }
  return h.hex();
}

std::optional<manifest> take_manifest(const fs::path& root, std::size_t max_files) {
  manifest m;
  bool whole = tools::walk_files(root, [&](const fs::path& file) {
    if (m.size() == max_files)
      return false;
    m[file.lexically_relative(root).string()] = hash_file(file).substr(0, 16);
    return true;
  });
  if (!whole)
    return std::nullopt;
  return m;
}

std::vector<std::string> differences(const manifest& a, const manifest& b) {
  std::vector<std::string> out;
  for (const auto& [path, h] : a)
    if (auto it = b.find(path); it == b.end() || it->second != h)
      out.push_back(path);
  for (const auto& [path, h] : b)
    if (!a.contains(path))
      out.push_back(path);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> folder_names(const fs::path& absolute) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(absolute, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  return names;
}

search_view view_search(const fs::path& root, const fs::path& start, std::size_t files,
                        std::size_t max_file_bytes) {
  tools::walk_digest seen;
  search_view v;
  tools::walk_files(start, [&](const fs::path& file) {
    if (seen.files() == files) {
      v.more = true;
      return false;
    }
    seen.add(tools::valid_utf8(file.lexically_relative(root).string()),
             tools::slurp(file, max_file_bytes));
    return true;
  });
  v.digest = seen.hex();
  return v;
}

} // namespace boocode::step_cache
