#include "runtime/process_limits.hpp"

#include <sys/resource.h>

namespace boocode {

open_file_limit current_open_file_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0)
    return {};
  return {r.rlim_cur, r.rlim_max};
}

open_file_limit raise_open_file_limit() {
  auto before = current_open_file_limit();
  if (before.soft < before.hard) {
    rlimit r{before.hard, before.hard};
    setrlimit(RLIMIT_NOFILE, &r); // on failure the limit simply stays
  }
  return before;
}

} // namespace boocode
