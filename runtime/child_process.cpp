#include "runtime/child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <memory>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

#include "runtime/poll.hpp"

extern char** environ;

namespace boocode {

namespace {

/// What the child reports through the error pipe when it fails before exec.
enum class failed_step : int { open_log, isolate, switch_user, enter_cwd, exec };

struct exec_failure {
  failed_step step;
  int error;
  int detail; // the isolation's own step
};

[[noreturn]] void report_and_exit(int error_fd, failed_step step, int detail = 0) {
  exec_failure f{step, errno, detail};
  [[maybe_unused]] auto n = write(error_fd, &f, sizeof f);
  _exit(127);
}

/// Runs in the child before exec, in the parent's memory (clone_child): only
/// async-signal-safe calls, no allocation (the parent's other threads may
/// hold the allocator's locks), no writes but to its own stack.
[[noreturn]] void exec_child(const child_options& opts, const char* program, char* const* argv,
                             char* const* envp, int output_fd, int error_fd, pid_t parent) {
  // Ignored signals stay ignored across exec (a server may ignore SIGPIPE);
  // the child starts with every signal at its default.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP)
      sigaction(sig, &dfl, nullptr);
  // The node blocks SIGINT/SIGTERM in every thread to sigwait for them; a
  // child must not inherit that mask.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // Own process group: a Ctrl-C in the terminal reaches the node, which then
  // stops its children in order; and kill_group() reaches grandchildren.
  setpgid(0, 0);
  int out = output_fd;
  if (out < 0) {
    out = opts.log_file.empty()
            ? open("/dev/null", O_WRONLY)
            : open(opts.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (out < 0)
      report_and_exit(error_fd, failed_step::open_log);
  }
  dup2(out, STDOUT_FILENO);
  dup2(out, STDERR_FILENO);
  int in = open("/dev/null", O_RDONLY);
  if (in >= 0)
    dup2(in, STDIN_FILENO);
  if (opts.isolation && opts.isolation->enter) {
    int step = 0;
    if (int err = opts.isolation->enter(opts.isolation->arg, step); err != 0) {
      errno = err;
      report_and_exit(error_fd, failed_step::isolate, step);
    }
  }
  if (opts.user) {
    // Raw system calls: glibc's wrappers would change the credentials of
    // every thread they believe is in this process, and in the parent's
    // memory they see the parent's threads.
    if (syscall(SYS_setgroups, 0, nullptr) != 0 || syscall(SYS_setgid, opts.user->gid) != 0 ||
        syscall(SYS_setuid, opts.user->uid) != 0)
      report_and_exit(error_fd, failed_step::switch_user);
  }
  // Set after setuid: a credential change clears the parent-death signal.
  if (opts.die_with_parent) {
    prctl(PR_SET_PDEATHSIG, opts.parent_death_signal);
    // In a new PID namespace the parent is outside it and getppid() says 0.
    if (getppid() != parent && getppid() != 0)
      _exit(125);
  }
  if (chdir(opts.cwd.c_str()) != 0)
    report_and_exit(error_fd, failed_step::enter_cwd);
  // Descriptors the parent opened without O_CLOEXEC (sockets, database
  // connections) must not leak into the child.
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  execve(program, argv, envp);
  report_and_exit(error_fd, failed_step::exec);
}

/// What the child's first function gets (it runs on its own stack, in the
/// parent's memory, until exec).
struct child_start {
  const child_options* opts;
  const char* program;
  char* const* argv;
  char* const* envp;
  int output_fd;
  int error_fd;
  pid_t parent;
};

int child_main(void* arg) {
  auto* s = static_cast<child_start*>(arg);
  exec_child(*s->opts, s->program, s->argv, s->envp, s->output_fd, s->error_fd, s->parent);
}

/// The child's stack until exec: its pages are touched only as far as it
/// goes (a few KiB), the rest costs nothing.
constexpr size_t child_stack_bytes = 1 << 20;

/// Starts the child sharing this process's memory until it execs (or
/// exits), with this thread suspended meanwhile, as posix_spawn does: no
/// copy of the page tables, so a start costs the same in a node holding
/// gigabytes as in a small process, and starts on many threads at once do not
/// queue behind each other's copies. Signals stay blocked across the clone
/// so no handler of the node runs in the child, which resets them all first.
pid_t clone_child(const child_options& opts, child_start& start) {
  // For overwrite: make_unique would zero, and so touch, every page.
  auto stack = std::make_unique_for_overwrite<char[]>(child_stack_bytes);
  int flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
  if (opts.isolation)
    flags |= opts.isolation->clone_flags;
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  pid_t pid = clone(child_main, stack.get() + child_stack_bytes, flags, &start);
  int err = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = err;
  return pid;
}

/// argv[0] as execve needs it: a name without '/' is looked up in PATH (the
/// child's, when it gets its own environment).
std::string find_program(const child_options& opts) {
  const auto& name = opts.argv[0];
  if (name.empty())
    throw process_error("cannot run an empty command");
  if (name.find('/') != std::string::npos)
    return name;
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  if (opts.env) {
    for (auto& e : *opts.env)
      if (e.rfind("PATH=", 0) == 0)
        path = e.substr(5);
  } else if (const char* p = std::getenv("PATH")) {
    path = p;
  }
  std::string_view rest{path};
  while (!rest.empty()) {
    auto colon = rest.find(':');
    auto dir = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    if (dir.empty() || dir[0] != '/')
      continue; // relative PATH entries would depend on the child's cwd
    auto candidate = std::string(dir) + "/" + name;
    std::error_code ec;
    if (access(candidate.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(candidate, ec))
      return candidate;
  }
  throw process_error(fmt::format("cannot run {}: command not found", name));
}

std::string describe(const exec_failure& f, const child_options& opts) {
  const char* why = std::strerror(f.error);
  switch (f.step) {
    case failed_step::open_log:
      return fmt::format("cannot run {}: cannot open {}: {}", opts.argv[0], opts.log_file.string(),
                         why);
    case failed_step::isolate:
      return fmt::format(
        "cannot run {} in the sandbox: {}: {}", opts.argv[0],
        opts.isolation->what ? opts.isolation->what(opts.isolation->arg, f.detail) : "", why);
    case failed_step::switch_user:
      return fmt::format("cannot run {} as user {}: {}", opts.argv[0],
                         opts.user ? opts.user->user : "?", why);
    case failed_step::enter_cwd:
      return fmt::format("cannot run {}: cannot enter {}: {}", opts.argv[0], opts.cwd.string(),
                         why);
    case failed_step::exec:
      break;
  }
  return fmt::format("cannot run {}: {}", opts.argv[0], why);
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings)
    out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

void close_fd(int& fd) {
  if (fd >= 0)
    close(fd);
  fd = -1;
}

} // namespace

child_process child_process::start(const child_options& opts) {
  if (opts.argv.empty())
    throw process_error("child_process: empty argv");
  auto program = find_program(opts);
  auto argv = c_strings(opts.argv);
  auto envp = opts.env ? c_strings(*opts.env) : std::vector<char*>{};
  char* const* env = opts.env ? envp.data() : environ;

  // Both pipes are O_CLOEXEC so children started concurrently by other
  // threads do not hold them open. The error pipe closes on a successful exec.
  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) != 0)
    throw process_error(fmt::format("cannot start {}: {}", opts.argv[0], std::strerror(errno)));
  int output_pipe[2] = {-1, -1};
  if (opts.capture_output && pipe2(output_pipe, O_CLOEXEC) != 0) {
    int err = errno;
    close(error_pipe[0]);
    close(error_pipe[1]);
    throw process_error(fmt::format("cannot start {}: {}", opts.argv[0], std::strerror(err)));
  }

  child_start start{&opts,          program.c_str(), argv.data(), env,
                    output_pipe[1], error_pipe[1],   getpid()};
  pid_t pid = clone_child(opts, start);
  int fork_errno = errno;
  close_fd(error_pipe[1]);
  close_fd(output_pipe[1]);
  if (pid < 0) {
    close_fd(error_pipe[0]);
    close_fd(output_pipe[0]);
    throw process_error(
      fmt::format("cannot start {}: {}", opts.argv[0], std::strerror(fork_errno)));
  }

  // Blocks until the child has exec'd (EOF) or reported why it could not.
  exec_failure failure{};
  ssize_t n = 0;
  do
    n = read(error_pipe[0], &failure, sizeof failure);
  while (n < 0 && errno == EINTR);
  close_fd(error_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof failure)) {
    waitpid(pid, nullptr, 0);
    close_fd(output_pipe[0]);
    throw process_error(describe(failure, opts));
  }
  if (output_pipe[0] >= 0)
    fcntl(output_pipe[0], F_SETFL, fcntl(output_pipe[0], F_GETFL) | O_NONBLOCK);
  // The child is not reaped until we say so, so the pid still names it.
  int exit_fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (exit_fd >= 0)
    fcntl(exit_fd, F_SETFD, FD_CLOEXEC);
  return child_process{pid, output_pipe[0], exit_fd};
}

child_process::child_process(child_process&& other) noexcept
  : pid_(std::exchange(other.pid_, -1)), output_fd_(std::exchange(other.output_fd_, -1)),
    exit_fd_(std::exchange(other.exit_fd_, -1)),
    status_(std::exchange(other.status_, std::nullopt)) {}

child_process& child_process::operator=(child_process&& other) noexcept {
  if (this != &other) {
    close_fd(output_fd_);
    close_fd(exit_fd_);
    pid_ = std::exchange(other.pid_, -1);
    output_fd_ = std::exchange(other.output_fd_, -1);
    exit_fd_ = std::exchange(other.exit_fd_, -1);
    status_ = std::exchange(other.status_, std::nullopt);
  }
  return *this;
}

child_process::~child_process() {
  close_fd(output_fd_);
  close_fd(exit_fd_);
}

bool child_process::wait_exited(std::chrono::milliseconds timeout) {
  if (has_exited())
    return true;
  if (exit_fd_ < 0)
    return poll_until(timeout, [this] { return has_exited(); });
  pollfd p{exit_fd_, POLLIN, 0};
  ::poll(&p, 1, static_cast<int>(timeout.count()));
  return has_exited();
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

bool child_process::has_exited() {
  if (status_ || pid_ <= 0)
    return true;
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0)
    return errno == ECHILD;
  return info.si_pid == pid_;
}

std::optional<int> child_process::wait_for(std::chrono::milliseconds timeout) {
  wait_exited(timeout);
  return poll();
}

void child_process::signal(int sig) {
  if (!poll())
    kill(pid_, sig);
}

void child_process::kill_group(int sig) {
  // Once the leader is reaped and the group is empty its id could in theory
  // name a new group; callers kill the group before reaping (has_exited()).
  if (pid_ > 0)
    kill(-pid_, sig);
}

bool child_process::read_output(std::string& into, std::chrono::milliseconds wait) {
  if (output_fd_ < 0)
    return false;
  pollfd p{output_fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0)
    return true; // nothing yet (or EINTR)
  char buf[16384];
  for (size_t got = 0; got < 65536;) {
    ssize_t n = read(output_fd_, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<size_t>(n));
      got += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return true;
    } else {
      close_fd(output_fd_); // end of output, or a broken pipe that will not recover
      return false;
    }
  }
  return true;
}

int run_to_completion(const child_options& opts, std::chrono::milliseconds timeout) {
  auto child = child_process::start(opts);
  if (auto status = child.wait_for(timeout))
    return *status;
  child.kill_group(SIGKILL);
  child.wait_for(std::chrono::seconds(5));
  throw process_error(
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

} // namespace boocode
