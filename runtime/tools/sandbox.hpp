#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <sys/resource.h>
#include <vector>

#include "runtime/child_process.hpp"
#include "runtime/tools/pids_cgroup.hpp"

namespace boocode::tools {

/// Limits on one sandboxed command.
struct sandbox_limits {
  /// Processes (and threads) of the command's whole tree: a pids cgroup
  /// when the node has one, and RLIMIT_NPROC (which binds only non-root).
  int processes = 512;
  /// Data memory of each process (RLIMIT_DATA: heap and private mappings;
  /// address space merely reserved, as V8 and Go do, is not counted).
  std::uint64_t memory_bytes = std::uint64_t{4} << 30;
  /// CPU time of each process (RLIMIT_CPU).
  std::chrono::seconds cpu{600};
  /// The largest file a process may write (RLIMIT_FSIZE).
  std::uint64_t file_bytes = std::uint64_t{4} << 30;
  /// Size of the private /tmp.
  std::uint64_t tmp_bytes = std::uint64_t{1} << 30;
};

/// What every sandboxed command on a node may not see, and its limits. The
/// sandbox is built from kernel features in the forked child, as bubblewrap
/// does, without its exec: new mount, PID, IPC, UTS and (unless the chat
/// allows it) network namespaces, a read-only view of the file system with
/// the workspace writable, a private /tmp and /dev, no new privileges, no
/// capabilities, and the limits above. A node not run as root also gets a
/// user namespace (its own uid mapped to itself).
struct sandbox_policy {
  /// Folders (tmpfs over them) and files (/dev/null over them) that are not
  /// visible at all: the data dir, /root, /home, PostgreSQL's sockets, the
  /// workspace roots. A command's own workspace is shown again even when it
  /// lies under one; those that lie under the workspace stay hidden.
  std::vector<std::filesystem::path> hidden;
  sandbox_limits limits;
  /// Per-command pids cgroups; null: RLIMIT_NPROC only.
  std::shared_ptr<pids_cgroups> cgroups;
};

/// The paths a node hides from every command: `data_dir`, /root, /home,
/// PostgreSQL's socket and data folders, and `more` (workspace roots,
/// secret files); those that exist, canonical, without repeats.
std::vector<std::filesystem::path>
default_hidden_paths(const std::filesystem::path& data_dir,
                     const std::vector<std::filesystem::path>& more = {});

/// `env` with the PATH entries that lie in hidden folders left out (a
/// pyenv shim under /root would not start in the sandbox).
std::vector<std::string> visible_environment(const sandbox_policy& policy,
                                             std::vector<std::string> env);

/// One command's confinement, prepared in the parent (every path and string
/// the child needs, its cgroup), so the child makes only system calls.
/// Not copyable or movable: the isolation points at it.
class sandbox_plan {
public:
  /// Throws process_error when the workspace is missing or the cgroup cannot
  /// be made.
  sandbox_plan(const sandbox_policy& policy, const std::filesystem::path& workspace, bool network);
  sandbox_plan(const sandbox_plan&) = delete;
  sandbox_plan& operator=(const sandbox_plan&) = delete;
  ~sandbox_plan();

  const child_isolation* isolation() const { return &isolation_; }

private:
  struct target {
    std::string path;
    bool directory = true;
  };

  static int enter(const void* self, int& step) noexcept;
  static std::string what(const void* self, int step);
  int enter_child(int& step) const noexcept;

  std::string workspace_;
  std::vector<std::string> workspace_parents_; // "/a", "/a/b", ... for mkdir
  std::vector<target> hidden_;
  std::vector<std::string> hidden_inside_; // hidden paths under the workspace
  std::string tmp_options_;
  std::string uid_map_, gid_map_; // non-root only
  bool user_namespace_ = false;
  bool network_ = false;
  int last_capability_ = 40;
  std::vector<std::pair<int, rlimit>> rlimits_;
  std::unique_ptr<pids_group> group_;
  child_isolation isolation_;
};

/// Runs /bin/true in the sandbox to see that this machine supports it;
/// nothing, or why not (e.g. "cannot run true in the sandbox: cannot
/// create the namespaces: Operation not permitted").
std::optional<std::string> probe_sandbox(const sandbox_policy& policy,
                                         const std::filesystem::path& workspace);

} // namespace boocode::tools
