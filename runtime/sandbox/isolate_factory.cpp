#include "runtime/sandbox/isolate_factory.hpp"

#include "runtime/sandbox/natives.hpp"

namespace boocode::sandbox {

isolate_factory::isolate_factory(const std::string& snapshot, std::size_t default_heap,
                                 std::size_t spares)
  : blob_{snapshot.data(), static_cast<int>(snapshot.size())}, default_heap_(default_heap),
    keep_(spares) {}

isolate_factory::~isolate_factory() {
  for (auto& s : spares_)
    s.isolate->Dispose();
}

made_isolate isolate_factory::make(std::size_t heap_bytes) {
  made_isolate m;
  m.allocator.reset(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  v8::Isolate::CreateParams params;
  params.snapshot_blob = &blob_;
  params.external_references = external_references();
  params.array_buffer_allocator = m.allocator.get();
  params.constraints.ConfigureDefaultsFromHeapSize(0, heap_bytes);
  m.isolate = v8::Isolate::New(params);
  return m;
}

made_isolate isolate_factory::take(std::size_t heap_bytes) {
  if (heap_bytes == default_heap_) {
    const std::lock_guard lock(mutex_);
    if (!spares_.empty()) {
      auto m = std::move(spares_.back());
      spares_.pop_back();
      return m;
    }
  }
  return make(heap_bytes);
}

bool isolate_factory::refill_due() {
  {
    const std::lock_guard lock(mutex_);
    if (spares_.size() >= keep_)
      return false;
  }
  return !refilling_.exchange(true);
}

void isolate_factory::refill() {
  while (true) {
    {
      const std::lock_guard lock(mutex_);
      if (spares_.size() >= keep_)
        break;
    }
    auto m = make(default_heap_);
    const std::lock_guard lock(mutex_);
    spares_.push_back(std::move(m));
  }
  refilling_ = false;
}

} // namespace boocode::sandbox
