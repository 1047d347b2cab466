#include "runtime/tools/sandbox.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <set>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

#include "runtime/split.hpp"

namespace boocode::tools {

namespace {

namespace fs = std::filesystem;

/// The steps of entering the sandbox, in order; a failure reports
/// `step * step_scale + index` (the index of the path or device).
enum class step : int {
  join_cgroup = 1,
  map_user,
  private_mounts,
  keep_workspace,
  keep_device,
  hide,
  private_tmp,
  private_dev,
  place_device,
  hide_file,
  proc,
  place_workspace,
  hide_inside,
  read_only,
  writable,
  loopback,
  limits,
  no_new_privs,
  drop_capabilities,
};
constexpr int step_scale = 1000;

/// The devices a command sees in its /dev (bound from the host's).
constexpr std::array<const char*, 6> devices = {"null", "zero", "full", "random", "urandom", "tty"};
constexpr std::array<const char*, 6> device_paths = {"/dev/null",   "/dev/zero",    "/dev/full",
                                                     "/dev/random", "/dev/urandom", "/dev/tty"};

int fail(int& out, step s, int index = 0) {
  out = static_cast<int>(s) * step_scale + index;
  return errno != 0 ? errno : EPERM;
}

bool write_all(const char* file, const std::string& text) {
  int fd = open(file, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok;
}

/// Hides a folder under an empty read-only tmpfs, or a file under /dev/null.
int hide_path(const char* path, bool directory) {
  int r = directory ? mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755")
                    : mount("/dev/null", path, nullptr, MS_BIND, nullptr);
  // Under a folder hidden before, a path no longer exists: hidden already.
  return r == 0 || errno == ENOENT ? 0 : -1;
}

int set_mount_attr(const char* path, unsigned int flags, std::uint64_t set, std::uint64_t clear) {
  mount_attr attr{};
  attr.attr_set = set;
  attr.attr_clr = clear;
  return mount_setattr(AT_FDCWD, path, flags, &attr, sizeof attr);
}

int bring_loopback_up() {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return -1;
  ifreq req{};
  req.ifr_name[0] = 'l';
  req.ifr_name[1] = 'o';
  int r = ioctl(s, SIOCGIFFLAGS, &req);
  if (r == 0) {
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
    r = ioctl(s, SIOCSIFFLAGS, &req);
  }
  close(s);
  return r;
}

int read_last_capability() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int last = CAP_LAST_CAP;
  in >> last;
  return last;
}

bool is_under(const fs::path& path, const fs::path& folder) {
  auto [end, _] = std::mismatch(folder.begin(), folder.end(), path.begin(), path.end());
  return end == folder.end();
}

} // namespace

std::vector<fs::path> default_hidden_paths(const fs::path& data_dir,
                                           const std::vector<fs::path>& more) {
  std::vector<fs::path> wanted{
    data_dir, "/root", "/home", "/run/postgresql", "/var/run/postgresql", "/var/lib/postgresql"};
  wanted.insert(wanted.end(), more.begin(), more.end());
  std::vector<fs::path> out;
  std::set<fs::path> seen;
  for (auto& p : wanted) {
    std::error_code ec;
    auto real = fs::canonical(p, ec);
    if (!ec && seen.insert(real).second)
      out.push_back(real);
  }
  return out;
}

std::vector<std::string> visible_environment(const sandbox_policy& policy,
                                             std::vector<std::string> env) {
  for (auto& var : env) {
    if (var.rfind("PATH=", 0) != 0)
      continue;
    std::string kept = "PATH=";
    std::string_view rest{var};
    rest.remove_prefix(5);
    while (!rest.empty()) {
      auto dir = take_item(rest, ':');
      bool hidden = std::any_of(policy.hidden.begin(), policy.hidden.end(),
                                [&](const fs::path& h) { return is_under(fs::path(dir), h); });
      if (hidden || dir.empty())
        continue;
      if (kept.size() > 5)
        kept += ':';
      kept += dir;
    }
    var = kept;
  }
  return env;
}

sandbox_plan::sandbox_plan(const sandbox_policy& policy, const fs::path& workspace, bool network)
  : network_(network) {
  std::error_code ec;
  auto ws = fs::canonical(workspace, ec);
  if (ec || !fs::is_directory(ws, ec))
    throw process_error(fmt::format("the workspace {} is not a folder", workspace.string()));
  workspace_ = ws.string();
  fs::path parent{"/"};
  for (auto& part : ws.relative_path()) {
    parent /= part;
    workspace_parents_.push_back(parent.string());
  }
  for (auto& h : policy.hidden) {
    bool directory = fs::is_directory(h, ec);
    if (is_under(h, ws))
      hidden_inside_.push_back(h.string());
    hidden_.push_back({h.string(), directory});
  }
  tmp_options_ = fmt::format("size={},mode=1777", policy.limits.tmp_bytes);
  if (geteuid() != 0) {
    user_namespace_ = true;
    uid_map_ = fmt::format("{0} {0} 1", geteuid());
    gid_map_ = fmt::format("{0} {0} 1", getegid());
  }
  static const int last_capability = read_last_capability();
  last_capability_ = last_capability;
  auto limit = [&](int resource, std::uint64_t value) {
    rlimits_.emplace_back(resource, rlimit{value, value});
  };
  const auto& l = policy.limits;
  limit(RLIMIT_NPROC, static_cast<std::uint64_t>(l.processes));
  limit(RLIMIT_DATA, l.memory_bytes);
  limit(RLIMIT_CPU, static_cast<std::uint64_t>(l.cpu.count()));
  limit(RLIMIT_FSIZE, l.file_bytes);
  limit(RLIMIT_CORE, 0);
  if (policy.cgroups) {
    try {
      group_ = policy.cgroups->make(l.processes);
    } catch (const std::system_error& e) {
      throw process_error(e.what());
    }
  }
  isolation_.clone_flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
  if (!network_)
    isolation_.clone_flags |= CLONE_NEWNET;
  if (user_namespace_)
    isolation_.clone_flags |= CLONE_NEWUSER;
  isolation_.enter = &sandbox_plan::enter;
  isolation_.what = &sandbox_plan::what;
  isolation_.arg = this;
}

sandbox_plan::~sandbox_plan() = default;

int sandbox_plan::enter(const void* self, int& failed) noexcept {
  return static_cast<const sandbox_plan*>(self)->enter_child(failed);
}

int sandbox_plan::enter_child(int& failed) const noexcept {
  errno = 0;
  // First, so that every process the command starts counts.
  if (group_ && write(group_->procs_fd(), "0", 1) != 1)
    return fail(failed, step::join_cgroup);
  if (user_namespace_ &&
      (!write_all("/proc/self/uid_map", uid_map_) || !write_all("/proc/self/setgroups", "deny") ||
       !write_all("/proc/self/gid_map", gid_map_)))
    return fail(failed, step::map_user);
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return fail(failed, step::private_mounts);
  // Copies of the workspace and the devices, taken before anything covers them.
  int ws =
    open_tree(AT_FDCWD, workspace_.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  if (ws < 0)
    return fail(failed, step::keep_workspace);
  std::array<int, devices.size()> device_fds{};
  for (size_t i = 0; i < devices.size(); ++i) {
    device_fds[i] = open_tree(AT_FDCWD, device_paths[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (device_fds[i] < 0 && errno != ENOENT && errno != ENXIO)
      return fail(failed, step::keep_device, static_cast<int>(i));
  }
  for (size_t i = 0; i < hidden_.size(); ++i)
    if (hidden_[i].directory && hide_path(hidden_[i].path.c_str(), true) != 0)
      return fail(failed, step::hide, static_cast<int>(i));
  if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, tmp_options_.c_str()) != 0)
    return fail(failed, step::private_tmp);
  if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755") != 0)
    return fail(failed, step::private_dev);
  for (size_t i = 0; i < devices.size(); ++i) {
    if (device_fds[i] < 0)
      continue;
    int f = open(device_paths[i], O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
    if (f < 0 || close(f) != 0 ||
        move_mount(device_fds[i], "", AT_FDCWD, device_paths[i], MOVE_MOUNT_F_EMPTY_PATH) != 0)
      return fail(failed, step::place_device, static_cast<int>(i));
  }
  // Best effort: a /dev without them still runs most commands.
  symlink("/proc/self/fd", "/dev/fd");
  symlink("/proc/self/fd/0", "/dev/stdin");
  symlink("/proc/self/fd/1", "/dev/stdout");
  symlink("/proc/self/fd/2", "/dev/stderr");
  if (mkdir("/dev/shm", 01777) == 0)
    chmod("/dev/shm", 01777);
  for (size_t i = 0; i < hidden_.size(); ++i)
    if (!hidden_[i].directory && hide_path(hidden_[i].path.c_str(), false) != 0)
      return fail(failed, step::hide_file, static_cast<int>(i));
  // The new PID namespace's own processes only: not the node's, nor its environment.
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    return fail(failed, step::proc);
  for (auto& dir : workspace_parents_)
    mkdir(dir.c_str(), 0755); // inside a hidden folder, the way back to the workspace
  if (move_mount(ws, "", AT_FDCWD, workspace_.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
    return fail(failed, step::place_workspace);
  for (size_t i = 0; i < hidden_inside_.size(); ++i) {
    struct stat st {};
    bool directory = stat(hidden_inside_[i].c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    if (hide_path(hidden_inside_[i].c_str(), directory) != 0)
      return fail(failed, step::hide_inside, static_cast<int>(i));
  }
  if (set_mount_attr("/", AT_RECURSIVE, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, 0) != 0)
    return fail(failed, step::read_only);
  std::array<const char*, 3> writable{"/tmp", "/dev", workspace_.c_str()};
  for (size_t i = 0; i < writable.size(); ++i)
    if (set_mount_attr(writable[i], 0, 0, MOUNT_ATTR_RDONLY) != 0)
      return fail(failed, step::writable, static_cast<int>(i));
  if (!network_ && bring_loopback_up() != 0)
    return fail(failed, step::loopback);
  for (size_t i = 0; i < rlimits_.size(); ++i)
    if (setrlimit(static_cast<__rlimit_resource>(rlimits_[i].first), &rlimits_[i].second) != 0)
      return fail(failed, step::limits, static_cast<int>(i));
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return fail(failed, step::no_new_privs);
  // A root node's command keeps uid 0 but no capability: it cannot undo a
  // mount, reach past a hidden folder, or raise a limit.
  for (int cap = 0; cap <= last_capability_; ++cap)
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
      return fail(failed, step::drop_capabilities, cap);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  std::array<__user_cap_data_struct, 2> none{};
  if (syscall(SYS_capset, &header, none.data()) != 0)
    return fail(failed, step::drop_capabilities, 99);
  return 0;
}

std::string sandbox_plan::what(const void* self, int failed) {
  const auto& p = *static_cast<const sandbox_plan*>(self);
  auto index = static_cast<size_t>(failed % step_scale);
  auto path_of = [](const auto& list, size_t i) -> std::string {
    if constexpr (std::is_same_v<std::decay_t<decltype(list[0])>, target>)
      return i < list.size() ? list[i].path : "?";
    else
      return i < list.size() ? std::string(list[i]) : "?";
  };
  switch (static_cast<step>(failed / step_scale)) {
    case step::join_cgroup:
      return "cannot join its pids cgroup";
    case step::map_user:
      return "cannot map its user into a user namespace";
    case step::private_mounts:
      return "cannot make its mounts private";
    case step::keep_workspace:
      return fmt::format("cannot take the workspace {}", p.workspace_);
    case step::keep_device:
    case step::place_device:
      return fmt::format("cannot provide {}", index < devices.size() ? device_paths[index] : "?");
    case step::hide:
    case step::hide_file:
      return fmt::format("cannot hide {}", path_of(p.hidden_, index));
    case step::hide_inside:
      return fmt::format("cannot hide {}", path_of(p.hidden_inside_, index));
    case step::private_tmp:
      return "cannot mount a private /tmp";
    case step::private_dev:
      return "cannot mount a private /dev";
    case step::proc:
      return "cannot mount /proc";
    case step::place_workspace:
      return fmt::format("cannot mount the workspace {}", p.workspace_);
    case step::read_only:
      return "cannot make the file system read-only";
    case step::writable:
      return "cannot make the workspace and /tmp writable";
    case step::loopback:
      return "cannot bring up the loopback interface";
    case step::limits:
      return "cannot set its resource limits";
    case step::no_new_privs:
      return "cannot forbid new privileges";
    case step::drop_capabilities:
      return "cannot drop its capabilities";
  }
  return "cannot enter the sandbox";
}

std::optional<std::string> probe_sandbox(const sandbox_policy& policy, const fs::path& workspace) {
  try {
    sandbox_plan plan(policy, workspace, false);
    int code = run_to_completion({.argv = {"/bin/true"},
                                  .env = std::vector<std::string>{},
                                  .cwd = workspace,
                                  .isolation = plan.isolation()},
                                 std::chrono::seconds(10));
    if (code != 0)
      return fmt::format("/bin/true exited with {} in the sandbox", code);
    return std::nullopt;
  } catch (const process_error& e) {
    return e.what();
  }
}

} // namespace boocode::tools
