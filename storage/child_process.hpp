#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace boocode::storage {

/// Who a child runs as; empty means "as this process".
struct run_as {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string user;
};

/// How to start a child process (argv, no shell).
struct child_options {
  std::vector<std::string> argv;
  std::optional<run_as> user;
  /// stdout and stderr are appended here; empty: /dev/null.
  std::filesystem::path log_file;
  std::filesystem::path cwd = "/";
  /// Deliver SIGINT to the child when the thread that started it exits,
  /// so a node killed with -9 does not leave its PostgreSQL behind.
  bool die_with_parent = false;
};

/// A started child. Not copyable; the destructor does not kill it.
class child_process {
public:
  /// Forks and execs; throws storage_error when fork or exec fails.
  static child_process start(const child_options& opts);

  child_process(child_process&&) noexcept = default;
  child_process& operator=(child_process&&) noexcept = default;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }

  /// Non-blocking: the exit status if the child has ended (reaped once).
  std::optional<int> poll();

  /// Waits up to `timeout` for the child to end; the exit status, or nothing.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);

  /// Sends `sig` if the child still runs.
  void signal(int sig);

private:
  explicit child_process(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  std::optional<int> status_;
};

/// Runs a child to completion (at most `timeout`) and returns its exit code;
/// throws storage_error when it cannot start or does not finish in time.
int run_to_completion(const child_options& opts, std::chrono::milliseconds timeout);

/// The last `max_bytes` of a text file, for error messages.
std::string tail_of(const std::filesystem::path& file, size_t max_bytes = 2000);

} // namespace boocode::storage
