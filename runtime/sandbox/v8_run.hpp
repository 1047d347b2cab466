#pragma once

// Internal to runtime/sandbox: a workflow run in its own V8 isolate, run in
// slices on the slice pool.

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include <v8.h>

#include "runtime/sandbox/isolate_factory.hpp"
#include "runtime/sandbox/run.hpp"
#include "runtime/sandbox/slice_pool.hpp"

namespace boocode::sandbox {

/// The script as V8 compiles it: the body of an async function (top-level
/// await and return), whose first line is the script's line 1.
std::string wrapped_source(std::string_view body);

/// Fills the isolate factory's spares on a pool thread.
class refill_job final : public sliced {
public:
  explicit refill_job(isolate_factory& f) : factory_(f) {}
  bool run_slice() override {
    factory_.refill();
    return false;
  }
  void over_time() override {}
  void abandon() override {}
  std::chrono::milliseconds slice_cpu() const override { return std::chrono::hours(1); }

private:
  isolate_factory& factory_;
};

class v8_run final : public run, public sliced, public std::enable_shared_from_this<v8_run> {
public:
  v8_run(isolate_factory& factory, slice_pool& pool, run_request request,
         std::shared_ptr<run_host> host);
  ~v8_run() override;

  /// Queues the run's first slice (compile and run the script's top).
  void begin();

  // run
  void settle(std::uint64_t id, nlohmann::json value) override;
  void reject(std::uint64_t id, std::string error_name, std::string message) override;
  void set_spent(std::int64_t tokens) override { spent_.store(tokens); }
  void cancel() override;

  // sliced
  bool run_slice() override;
  void over_time() override;
  void abandon() override;
  std::chrono::milliseconds slice_cpu() const override { return request_.limits.slice_cpu; }

  // For the natives, on the run's slice.
  v8::Local<v8::Promise> host_call(call_kind kind, std::string path, const std::string& spec);
  double value(const std::string& kind, const std::string& path);
  void host_event(run_event e) { host_->event(std::move(e)); }
  double spent() const { return static_cast<double>(spent_.load()); }

private:
  enum class stop_reason { none, time_limit, memory_limit, cancelled, abandoned };
  struct event {
    enum class kind { start, settle, reject, cancel } what = kind::start;
    std::uint64_t id = 0;
    nlohmann::json value;
    std::string error_name;
  };

  void post(event e);
  void start_script();
  void answer(event& e);
  /// After a slice: ends the run when the script finished, failed or was
  /// stopped. False once ended.
  void conclude(v8::TryCatch& trying);
  void finish(run_end end);
  std::string describe_exception(v8::Local<v8::Value> exception);
  static std::size_t near_heap_limit(void* data, std::size_t current, std::size_t initial);

  isolate_factory& factory_;
  slice_pool& pool_;
  run_request request_;
  std::shared_ptr<run_host> host_;
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator_; // the isolate's: outlives it

  std::mutex mutex_; // guards queue_, scheduled_, isolate_ (against cancel and the watchdog)
  std::deque<event> queue_;
  bool scheduled_ = false;
  v8::Isolate* isolate_ = nullptr;
  std::atomic<stop_reason> stop_{stop_reason::none};
  std::atomic<std::int64_t> spent_{0};

  // Touched only on the run's slices.
  bool ended_ = false;
  v8::Global<v8::Context> context_;
  v8::Global<v8::Promise> main_;
  std::map<std::uint64_t, v8::Global<v8::Promise::Resolver>> pending_;
  std::uint64_t next_call_ = 1;
  std::mt19937_64 random_;
};

} // namespace boocode::sandbox
