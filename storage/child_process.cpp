#include "storage/child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "runtime/poll.hpp"
#include "storage/storage_error.hpp"

namespace boocode::storage {

namespace {

/// Runs in the forked child before exec: only async-signal-safe calls.
[[noreturn]] void exec_child(const child_options& opts, char* const* argv, pid_t parent) {
  // The node blocks SIGINT/SIGTERM in every thread to sigwait for them; a
  // child must not inherit that mask.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // Own process group: a Ctrl-C in the terminal reaches the node, which then
  // stops its children in order.
  setpgid(0, 0);
  int out = opts.log_file.empty()
              ? open("/dev/null", O_WRONLY)
              : open(opts.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  int in = open("/dev/null", O_RDONLY);
  if (out >= 0) {
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
  }
  if (in >= 0)
    dup2(in, STDIN_FILENO);
  if (opts.user) {
    if (setgroups(0, nullptr) != 0 || setgid(opts.user->gid) != 0 || setuid(opts.user->uid) != 0)
      _exit(126);
  }
  // Set after setuid: a credential change clears the parent-death signal.
  if (opts.die_with_parent) {
    prctl(PR_SET_PDEATHSIG, SIGINT);
    if (getppid() != parent)
      _exit(125);
  }
  if (chdir(opts.cwd.c_str()) != 0)
    _exit(124);
  execv(argv[0], argv);
  _exit(127);
}

} // namespace

child_process child_process::start(const child_options& opts) {
  if (opts.argv.empty())
    throw storage_error("child_process: empty argv");
  std::vector<char*> argv;
  for (auto& a : opts.argv)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0)
    throw storage_error(fmt::format("cannot start {}: {}", opts.argv[0], std::strerror(errno)));
  if (pid == 0)
    exec_child(opts, argv.data(), parent);
  return child_process{pid};
}

std::optional<int> child_process::poll() {
  if (status_ || pid_ <= 0)
    return status_;
  int st = 0;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_)
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  else if (r < 0 && errno == ECHILD)
    status_ = -1;
  return status_;
}

std::optional<int> child_process::wait_for(std::chrono::milliseconds timeout) {
  poll_until(timeout, [this] { return poll().has_value(); });
  return status_;
}

void child_process::signal(int sig) {
  if (!poll())
    kill(pid_, sig);
}

int run_to_completion(const child_options& opts, std::chrono::milliseconds timeout) {
  auto child = child_process::start(opts);
  if (auto status = child.wait_for(timeout))
    return *status;
  child.signal(SIGKILL);
  child.wait_for(std::chrono::seconds(5));
  throw storage_error(
    fmt::format("{} did not finish within {} s", opts.argv[0], timeout.count() / 1000));
}

std::string tail_of(const std::filesystem::path& file, size_t max_bytes) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return {};
  in.seekg(0, std::ios::end);
  auto size = static_cast<size_t>(in.tellg());
  auto start = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string out(size - start, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  return out;
}

} // namespace boocode::storage
