#include "runtime/process_memory.hpp"

#include <fstream>

#include <malloc.h>
#include <unistd.h>

namespace boocode {

int64_t resident_bytes() {
  std::ifstream statm{"/proc/self/statm"};
  int64_t size = 0;
  int64_t resident = 0;
  if (!(statm >> size >> resident))
    return 0;
  return resident * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

int64_t heap_bytes() {
  auto info = mallinfo2();
  return static_cast<int64_t>(info.uordblks + info.hblkhd);
}

} // namespace boocode
