#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/cancel_token.hpp"
#include "runtime/digest.hpp"

namespace boocode::tools {

// How search (and the step cache, which checks what a search saw) walks a
// workspace's files.

/// Whether a walk skips a directory of this name: .git, .hg, .svn,
/// node_modules, __pycache__, build, build-* and cmake-build-*.
bool skipped_dir(const std::string& name);

/// Visits the regular files under `start` (a directory, or one file) depth
/// first in name order, from an explicit stack (deep trees cannot exhaust
/// the thread's stack). Skips symlinks (never follows them), sockets,
/// devices and skipped_dir directories. Stops when `visit` returns false or
/// `cancel` (may be null) is raised; false then.
bool walk_files(const std::filesystem::path& start,
                const std::function<bool(const std::filesystem::path&)>& visit,
                const cancel_token* cancel = nullptr);

/// A file's bytes, or nothing when it is larger than `max_bytes` or
/// unreadable.
std::optional<std::string> slurp(const std::filesystem::path& file, std::size_t max_bytes);

/// A digest of the files a walk visited, in order: each one's path and the
/// hash of its bytes (or that it was too large or unreadable to read), so
/// the same walk over the same files gives the same digest.
class walk_digest {
public:
  void add(std::string_view relative, const std::optional<std::string>& data);
  std::size_t files() const { return files_; }
  std::string hex() { return hash_.hex(); }

private:
  sha256 hash_;
  std::size_t files_ = 0;
};

} // namespace boocode::tools
