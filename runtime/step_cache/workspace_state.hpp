#pragma once

// The state of a workspace's files, as the step cache compares it: one
// file's hash, every file's (a manifest), a folder's names and what a search
// would see. Blocking; for the blocking pools.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runtime/step_cache/record.hpp"

namespace boocode::step_cache {

/// The file's hash; empty when it does not exist or is not a regular file
/// (a symlink counts as the file it names).
file_hash hash_file(const std::filesystem::path& absolute);

/// Every file under `root` that a search would visit (skipped folders
/// aside), with its hash; nothing when there are more than `max_files`.
std::optional<manifest> take_manifest(const std::filesystem::path& root, std::size_t max_files);

/// The paths whose entries differ between `a` and `b`, sorted.
std::vector<std::string> differences(const manifest& a, const manifest& b);

/// The names in folder `absolute` (empty when it is not one).
std::vector<std::string> folder_names(const std::filesystem::path& absolute);

/// What a search from `start` would see of the workspace `root` now: the
/// walk_digest of its first `files` files, and whether there are more.
struct search_view {
  std::string digest;
  bool more = false;
};
search_view view_search(const std::filesystem::path& root, const std::filesystem::path& start,
                        std::size_t files, std::size_t max_file_bytes);

} // namespace boocode::step_cache
