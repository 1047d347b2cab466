#pragma once

#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/types.h>
#include <vector>

namespace boocode {

/// A child process could not be started or did not finish in time.
class process_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Who a child runs as; empty means "as this process".
struct run_as {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string user;
};

/// Namespaces a child starts in and a step it runs before exec: how a
/// sandbox (runtime/tools/sandbox.hpp) confines a command.
struct child_isolation {
  /// CLONE_NEW* flags for clone(2); with CLONE_NEWPID the child is the
  /// namespace's first process, and the whole namespace dies with it.
  unsigned long clone_flags = 0;
  /// Runs in the child after its output is set up and before chdir and exec;
  /// only async-signal-safe calls. Returns 0, or an errno value that fails
  /// the start; `step` then says which step failed, for `what`.
  int (*enter)(const void* arg, int& step) noexcept = nullptr;
  const void* arg = nullptr;
  /// Names the failed step in the parent (e.g. "cannot mount /tmp").
  std::string (*what)(const void* arg, int step) = nullptr;
};

/// How to start a child process (argv, no shell).
struct child_options {
  /// argv[0] without a '/' is looked up in the child's PATH, as a shell would.
  std::vector<std::string> argv{};
  std::optional<run_as> user{};
  /// stdout and stderr are appended here; empty: /dev/null. Ignored with capture_output.
  std::filesystem::path log_file{};
  /// stdout and stderr both go into one pipe that read_output() drains.
  bool capture_output = false;
  /// The child's whole environment (NAME=VALUE); nothing: this process's environment.
  std::optional<std::vector<std::string>> env{};
  std::filesystem::path cwd = "/";
  /// Deliver `parent_death_signal` to the child when the thread that started
  /// it exits, so a node killed with -9 does not leave its PostgreSQL behind.
  bool die_with_parent = false;
  int parent_death_signal = SIGINT;
  /// Starts the child confined; null: an ordinary fork.
  const child_isolation* isolation = nullptr;
};

/// A started child, leader of its own process group, with stdin on /dev/null,
/// an empty signal mask and default signal dispositions. Not copyable; the
/// destructor closes the output pipe but does not kill the child.
/// One thread at a time may use an instance.
class child_process {
public:
  /// Forks and execs. Throws process_error when argv is empty, the program is
  /// not found, or fork, exec, chdir or the user switch fail.
  static child_process start(const child_options& opts);

  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&& other) noexcept;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process();

  pid_t pid() const { return pid_; }

  /// Non-blocking: the exit status if the child has ended (reaped once);
  /// 128+N when signal N killed it.
  std::optional<int> poll();

  /// Non-blocking: true once the child has ended, without reaping it, so its
  /// pid (and process group id) cannot be reused before kill_group().
  bool has_exited();

  /// Waits up to `timeout` for the child to end, without reaping it; whether
  /// it has. Wakes the moment it exits (a pidfd), not at the next poll.
  bool wait_exited(std::chrono::milliseconds timeout);

  /// Waits up to `timeout` for the child to end; the exit status, or nothing.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);

  /// Sends `sig` if the child still runs.
  void signal(int sig);

  /// Sends `sig` to every process in the child's process group, including
  /// grandchildren that outlived it (but not those that left the group).
  void kill_group(int sig);

  /// With capture_output: waits up to `wait` for output, appends what is
  /// available (at most 64 KiB per call) to `into`. Returns false once every
  /// writer has closed the pipe (end of output), true otherwise.
  bool read_output(std::string& into, std::chrono::milliseconds wait);

private:
  child_process(pid_t pid, int output_fd, int exit_fd)
    : pid_(pid), output_fd_(output_fd), exit_fd_(exit_fd) {}
  pid_t pid_ = -1;
  int output_fd_ = -1;
  int exit_fd_ = -1; // a pidfd: readable once the child exits (-1 if the kernel has none)
  std::optional<int> status_;
};

/// Runs a child to completion (at most `timeout`) and returns its exit code;
/// throws process_error when it cannot start or does not finish in time.
int run_to_completion(const child_options& opts, std::chrono::milliseconds timeout);

/// The last `max_bytes` of a text file, for error messages.
std::string tail_of(const std::filesystem::path& file, size_t max_bytes = 2000);

} // namespace boocode
