#include "runtime/tools/pids_cgroup.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include "runtime/poll.hpp"
#include "runtime/split.hpp"

namespace boocode::tools {

namespace {

namespace fs = std::filesystem;

struct mount_entry {
  fs::path point;
  std::string type;
  std::string options; // the super block's options (v1: the controllers)
};

std::vector<mount_entry> cgroup_mounts() {
  std::vector<mount_entry> out;
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    // id parent dev root point options [optional...] - type source super-options
    auto dash = line.find(" - ");
    if (dash == std::string::npos)
      continue;
    std::istringstream head(line.substr(0, dash));
    std::istringstream tail(line.substr(dash + 3));
    std::string id, parent, dev, root, point, type, source, options;
    head >> id >> parent >> dev >> root >> point;
    tail >> type >> source >> options;
    if (type == "cgroup" || type == "cgroup2")
      out.push_back({point, type, options});
  }
  return out;
}

bool has_word(const std::string& text, std::string_view word, char sep) {
  std::string_view rest{text};
  while (!rest.empty())
    if (take_item(rest, sep) == word)
      return true;
  return false;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::string text;
  std::getline(in, text);
  return text;
}

bool write_text(const fs::path& file, const std::string& text) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

/// Where the node's parent cgroup goes, and whether it needs the pids
/// controller delegated to its children (cgroup2).
struct hierarchy {
  fs::path root;
  bool v2 = false;
};

std::variant<hierarchy, std::string> find_hierarchy() {
  auto mounts = cgroup_mounts();
  for (auto& m : mounts)
    if (m.type == "cgroup" && has_word(m.options, "pids", ','))
      return hierarchy{m.point, false};
  for (auto& m : mounts) {
    if (m.type != "cgroup2")
      continue;
    if (!has_word(read_text(m.point / "cgroup.controllers"), "pids", ' '))
      return fmt::format("the cgroup2 hierarchy at {} has no pids controller", m.point.string());
    return hierarchy{m.point, true};
  }
  return std::string("no cgroup hierarchy with the pids controller is mounted");
}

/// Parents left by nodes that died (their pid is gone) and are empty.
void remove_stale_parents(const fs::path& root) {
  std::error_code ec;
  for (auto& entry : fs::directory_iterator(root, ec)) {
    auto name = entry.path().filename().string();
    if (name.rfind("boocode-", 0) != 0)
      continue;
    int pid = std::atoi(name.c_str() + 8);
    if (pid > 0 && (::kill(pid, 0) == 0 || errno != ESRCH))
      continue;
    for (auto& child : fs::directory_iterator(entry.path(), ec))
      if (child.is_directory())
        ::rmdir(child.path().c_str());
    ::rmdir(entry.path().c_str());
  }
}

std::atomic<unsigned> next_group{0};

} // namespace

pids_group::~pids_group() {
  if (procs_fd_ >= 0)
    ::close(procs_fd_);
  // The kernel frees a cgroup's tasks a moment after the last one is reaped.
  poll_until(std::chrono::seconds(1), [&] { return ::rmdir(dir_.c_str()) == 0 || errno != EBUSY; });
}

std::variant<std::shared_ptr<pids_cgroups>, std::string> pids_cgroups::open() {
  auto found = find_hierarchy();
  if (auto* why = std::get_if<std::string>(&found))
    return *why;
  auto h = std::get<hierarchy>(found);
  remove_stale_parents(h.root);
  auto dir = h.root / fmt::format("boocode-{}", ::getpid());
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return fmt::format("cannot create {}: {}", dir.string(), std::strerror(errno));
  if (h.v2 && !has_word(read_text(dir / "cgroup.controllers"), "pids", ' ')) {
    ::rmdir(dir.c_str());
    return fmt::format("the pids controller is not delegated below {}", h.root.string());
  }
  if (h.v2 && !write_text(dir / "cgroup.subtree_control", "+pids")) {
    auto why = fmt::format("cannot enable pids in {}: {}", dir.string(), std::strerror(errno));
    ::rmdir(dir.c_str());
    return why;
  }
  return std::shared_ptr<pids_cgroups>(new pids_cgroups(dir));
}

pids_cgroups::~pids_cgroups() {
  ::rmdir(dir_.c_str());
}

std::unique_ptr<pids_group> pids_cgroups::make(int max_processes) {
  auto dir = dir_ / fmt::format("c{}", next_group.fetch_add(1));
  auto fail = [&](const char* what) {
    int err = errno;
    ::rmdir(dir.c_str());
    throw std::system_error(err, std::generic_category(),
                            fmt::format("cannot {} {}", what, dir.string()));
  };
  if (::mkdir(dir.c_str(), 0755) != 0)
    fail("create");
  if (!write_text(dir / "pids.max", std::to_string(max_processes)))
    fail("limit the processes of");
  int fd = ::open((dir / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    fail("open the cgroup.procs of");
  return std::make_unique<pids_group>(dir, fd);
}

} // namespace boocode::tools
