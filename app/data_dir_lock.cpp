#include "app/data_dir_lock.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <string>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

namespace boocode {

data_dir_lock::data_dir_lock(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error(
      fmt::format("cannot create data dir {}: {}", dir.string(), ec.message()));
  auto file = dir / "lock";
  fd_ = open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0)
    throw std::runtime_error(
      fmt::format("cannot open {}: {}", file.string(), std::strerror(errno)));
  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char holder[32] = {0};
    auto n = pread(fd_, holder, sizeof(holder) - 1, 0);
    close(fd_);
    fd_ = -1;
    throw std::runtime_error(fmt::format("another boocode node (pid {}) is using data dir {}",
                                         n > 0 ? std::string(holder, strcspn(holder, "\n")) : "?",
                                         dir.string()));
  }
  auto pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd_, 0) == 0 && pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // The pid is informational only; the lock is what counts.
  }
}

data_dir_lock::~data_dir_lock() {
  if (fd_ >= 0)
    close(fd_);
}

} // namespace boocode
