#include "runtime/tools/file_walk.hpp"

#include <algorithm>
#include <fstream>
#include <vector>

namespace fs = std::filesystem;

namespace boocode::tools {

bool skipped_dir(const std::string& name) {
  static const char* const names[] = {".git",         ".hg",         ".svn",
                                      "node_modules", "__pycache__", "build"};
  return std::any_of(std::begin(names), std::end(names), [&](auto n) { return name == n; }) ||
         name.rfind("build-", 0) == 0 || name.rfind("cmake-build-", 0) == 0;
}

bool walk_files(const fs::path& start, const std::function<bool(const fs::path&)>& visit,
                const cancel_token* cancel) {
  std::error_code ec;
  std::vector<fs::path> stack{start};
  while (!stack.empty()) {
    if (cancel != nullptr && cancel->cancelled())
      return false;
    auto next = std::move(stack.back());
    stack.pop_back();
    auto st = fs::symlink_status(next, ec);
    if (fs::is_regular_file(st)) {
      if (!visit(next))
        return false;
      continue;
    }
    if (!fs::is_directory(st))
      continue; // symlinks, sockets, devices
    std::vector<fs::path> children;
    for (fs::directory_iterator it(next, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      bool dir = it->is_directory(ec) && !it->is_symlink(ec);
      if (!dir || !skipped_dir(it->path().filename().string()))
        children.push_back(it->path());
    }
    std::sort(children.rbegin(), children.rend());
    for (auto& c : children)
      stack.push_back(std::move(c));
  }
  return true;
}

std::optional<std::string> slurp(const fs::path& file, std::size_t max_bytes) {
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (ec || size > max_bytes)
    return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::string data(size, '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  data.resize(static_cast<size_t>(in.gcount()));
  return data;
}

void walk_digest::add(std::string_view relative, const std::optional<std::string>& data) {
  ++files_;
  hash_.update(relative).update(std::string_view("\0", 1));
  hash_.update(data ? sha256_hex(*data) : std::string("unread")).update("\n");
}

} // namespace boocode::tools
