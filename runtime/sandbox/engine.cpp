#include "runtime/sandbox/engine.hpp"

#include "runtime/sandbox/natives.hpp"
#include "runtime/sandbox/slice_pool.hpp"
#include "runtime/sandbox/snapshot.hpp"
#include "runtime/sandbox/v8_run.hpp"

namespace boocode::sandbox {

// An isolate that only compiles, for syntax checks.
struct engine::checker {
  checker() : allocator(v8::ArrayBuffer::Allocator::NewDefaultAllocator()) {
    v8::Isolate::CreateParams params;
    params.array_buffer_allocator = allocator.get();
    params.constraints.ConfigureDefaultsFromHeapSize(0, std::size_t{64} << 20);
    isolate = v8::Isolate::New(params);
    const v8::Locker locker(isolate);
    const v8::Isolate::Scope in_isolate(isolate);
    const v8::HandleScope handles(isolate);
    context.Reset(isolate, v8::Context::New(isolate));
  }
  ~checker() {
    {
      const v8::Locker locker(isolate);
      context.Reset();
    }
    isolate->Dispose();
  }
  checker(const checker&) = delete;
  checker& operator=(const checker&) = delete;

  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator;
  v8::Isolate* isolate = nullptr;
  v8::Global<v8::Context> context;
};

/// Isolates kept made ahead for runs with the default heap limit.
constexpr std::size_t spare_isolates = 2;

engine::engine(engine_options options)
  : snapshot_(make_snapshot()), isolates_(std::make_unique<isolate_factory>(
                                  snapshot_, run_limits{}.heap_bytes, spare_isolates)),
    pool_(std::make_unique<slice_pool>(options.threads)) {
  if (isolates_->refill_due())
    pool_->schedule(std::make_shared<refill_job>(*isolates_));
}

engine::~engine() = default;

unsigned engine::threads() const {
  return pool_->threads();
}

std::variant<checked_script, script_problem> engine::check(const std::string& name,
                                                           std::string_view source) {
  auto checked = check_script(source);
  if (auto* ok = std::get_if<checked_script>(&checked)) {
    if (auto problem = syntax(name, ok->body)) {
      return *problem;
    }
  }
  return checked;
}

std::optional<script_problem> engine::syntax(const std::string& name, const std::string& body) {
  const std::lock_guard lock(check_mutex_);
  if (!checker_) {
    checker_ = std::make_unique<checker>();
  }
  auto* isolate = checker_->isolate;
  const v8::Locker locker(isolate);
  const v8::Isolate::Scope in_isolate(isolate);
  const v8::HandleScope handles(isolate);
  auto context = checker_->context.Get(isolate);
  const v8::Context::Scope in_context(context);
  const v8::TryCatch trying(isolate);
  // Compiled as the sandbox runs it (the body of an async function), but
  // never run.
  const auto source = wrapped_source(body);
  v8::ScriptOrigin origin(isolate, v8_text(isolate, name), -1, 0);
  if (!v8::Script::Compile(context, v8_text(isolate, source), &origin).IsEmpty()) {
    return std::nullopt;
  }
  auto message = trying.Message();
  const v8::String::Utf8Value text(isolate, trying.Exception());
  script_problem problem;
  problem.message = *text != nullptr ? *text : "SyntaxError";
  if (!message.IsEmpty()) {
    problem.at.line = message->GetLineNumber(context).FromMaybe(1);
    problem.at.column = message->GetStartColumn() + 1;
  }
  return problem;
}

std::shared_ptr<run> engine::start(run_request request, std::shared_ptr<run_host> host) {
  auto r = std::make_shared<v8_run>(*isolates_, *pool_, std::move(request), std::move(host));
  r->begin();
  return r;
}

} // namespace boocode::sandbox
