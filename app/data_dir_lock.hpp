#pragma once

#include <filesystem>

namespace boocode {

/// An exclusive lock on a data directory (flock on DIR/lock), so two nodes
/// never share one embedded database. Released when destroyed or when the
/// process dies.
class data_dir_lock {
public:
  /// Creates the directory if needed; throws std::runtime_error if another
  /// process holds the lock.
  explicit data_dir_lock(const std::filesystem::path& dir);
  ~data_dir_lock();
  data_dir_lock(const data_dir_lock&) = delete;
  data_dir_lock& operator=(const data_dir_lock&) = delete;

private:
  int fd_ = -1;
};

} // namespace boocode
