#include "runtime/tools/workspace_path.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "runtime/tools/tool_result.hpp"

namespace fs = std::filesystem;

namespace boocode::tools {

namespace {

/// As many symlinks as Linux follows in one lookup before ELOOP.
constexpr int max_symlink_hops = 40;

/// weakly_canonical(p), and then, because weakly_canonical keeps a missing
/// tail as written, follows a dangling symlink at the start of that tail:
/// writing through "link -> /outside/new" would otherwise land outside.
fs::path resolve(fs::path p, std::string_view shown) {
  for (int hop = 0; hop < max_symlink_hops; ++hop) {
    std::error_code ec;
    auto r = fs::weakly_canonical(p, ec);
    if (ec)
      throw tool_failure(fmt::format("cannot resolve {}: {}", shown, ec.message()));
    fs::path prefix = r.root_path();
    auto it = std::next(r.begin());
    for (; it != r.end(); ++it) {
      auto next = prefix / *it;
      if (fs::exists(fs::status(next, ec)))
        prefix = next;
      else
        break;
    }
    if (it == r.end())
      return r; // exists
    auto missing = prefix / *it;
    if (!fs::is_symlink(fs::symlink_status(missing, ec)))
      return r; // a plain missing name: nothing more to follow
    auto target = fs::read_symlink(missing, ec);
    if (ec)
      throw tool_failure(fmt::format("cannot resolve {}: {}", shown, ec.message()));
    p = target.is_absolute() ? target : prefix / target;
    for (++it; it != r.end(); ++it)
      p /= *it;
  }
  throw tool_failure(fmt::format("cannot resolve {}: too many levels of symbolic links", shown));
}

bool is_within(const fs::path& root, const fs::path& p) {
  auto [r, q] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
  return r == root.end();
}

} // namespace

workspace_path resolve_workspace_path(const fs::path& workspace, std::string_view path) {
  if (path.find('\0') != std::string_view::npos)
    throw tool_failure("path contains a NUL byte");
  std::error_code ec;
  auto root = fs::canonical(workspace, ec);
  if (ec || !fs::is_directory(root, ec))
    throw tool_failure(fmt::format("the workspace {} is not a directory", workspace.string()));
  fs::path p{std::string(path.empty() ? "." : path)};
  auto absolute = resolve(p.is_absolute() ? p : root / p, path);
  if (!is_within(root, absolute))
    throw tool_denied(fmt::format("path escapes the workspace: {}", path));
  auto relative = absolute.lexically_relative(root).string();
  return {root, absolute, relative.empty() ? "." : relative};
}

} // namespace boocode::tools
