#pragma once

#include <cstdint>

namespace boocode {

/// The process's limit on open files (RLIMIT_NOFILE).
struct open_file_limit {
  uint64_t soft = 0;
  uint64_t hard = 0;
};

/// Raises the soft limit on open files to the hard one and returns the
/// limit as it was. A node holds a descriptor per WebSocket client and four
/// per model connection (its socket and its I/O context's), and the soft
/// limit many systems start a service with (1,024) is far below the hard one.
open_file_limit raise_open_file_limit();

/// The limit as it is now.
open_file_limit current_open_file_limit();

} // namespace boocode
