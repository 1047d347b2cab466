#pragma once

// Internal to runtime/sandbox: makes the runs' isolates from the startup
// snapshot, keeping a few spares made ahead (on a pool thread) so that a
// run with the default heap limit starts without waiting for one.

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <v8.h>

namespace boocode::sandbox {

/// An isolate and the allocator it uses (which must outlive it).
struct made_isolate {
  v8::Isolate* isolate = nullptr;
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator;
};

class isolate_factory {
public:
  isolate_factory(const std::string& snapshot, std::size_t default_heap, std::size_t spares);
  ~isolate_factory();
  isolate_factory(const isolate_factory&) = delete;
  isolate_factory& operator=(const isolate_factory&) = delete;

  /// An isolate for a run with `heap_bytes`: a spare when that is the
  /// default limit and one is ready, else made now. Thread-safe.
  made_isolate take(std::size_t heap_bytes);
  /// Makes spares until there are enough (run it off the start path).
  void refill();
  /// Whether a refill is due (and claims it: the next call says no until it ran).
  bool refill_due();

private:
  made_isolate make(std::size_t heap_bytes);

  v8::StartupData blob_;
  std::size_t default_heap_;
  std::size_t keep_;
  std::mutex mutex_;
  std::vector<made_isolate> spares_;
  std::atomic<bool> refilling_{false};
};

} // namespace boocode::sandbox
