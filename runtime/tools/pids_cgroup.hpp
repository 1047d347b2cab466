#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <variant>

namespace boocode::tools {

/// A cgroup that caps the number of processes of one sandboxed command's
/// whole tree. It is the only process limit that holds when the node runs as
/// root: the kernel never applies RLIMIT_NPROC to uid 0.
class pids_group {
public:
  pids_group(std::filesystem::path dir, int procs_fd) : dir_(std::move(dir)), procs_fd_(procs_fd) {}
  pids_group(const pids_group&) = delete;
  pids_group& operator=(const pids_group&) = delete;
  /// Removes the cgroup once its last process is gone (waits up to a second).
  ~pids_group();

  /// Open for writing: the child writes "0" here to join before exec.
  int procs_fd() const { return procs_fd_; }
  const std::filesystem::path& dir() const { return dir_; }

private:
  std::filesystem::path dir_;
  int procs_fd_ = -1;
};

/// The node's parent cgroup for sandboxed commands, `boocode-<pid>`, in a
/// cgroup v1 `pids` hierarchy or under the cgroup2 root when its pids
/// controller can be delegated. Removed (when empty) on destruction.
class pids_cgroups {
public:
  /// Finds a writable pids hierarchy and creates the parent; why not, when it
  /// cannot (not root, no pids controller, a read-only /sys/fs/cgroup).
  static std::variant<std::shared_ptr<pids_cgroups>, std::string> open();

  pids_cgroups(const pids_cgroups&) = delete;
  pids_cgroups& operator=(const pids_cgroups&) = delete;
  ~pids_cgroups();

  /// A new cgroup that admits at most `max_processes`; throws
  /// std::system_error when it cannot be made.
  std::unique_ptr<pids_group> make(int max_processes);

  const std::filesystem::path& dir() const { return dir_; }

private:
  explicit pids_cgroups(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

} // namespace boocode::tools
