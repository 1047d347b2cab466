#pragma once

#include <cstdint>

namespace boocode {

/// This process's resident set (bytes), from /proc/self/statm; 0 if unknown.
int64_t resident_bytes();

/// Bytes malloc has handed out and not had back (glibc's mallinfo2): unlike
/// the resident set it falls when memory is freed.
int64_t heap_bytes();

} // namespace boocode
