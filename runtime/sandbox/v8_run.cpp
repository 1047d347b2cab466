#include "runtime/sandbox/v8_run.hpp"

#include <fmt/format.h>

#include "runtime/sandbox/natives.hpp"

namespace boocode::sandbox {
namespace {

// The script runs as the body of an async function (top-level await and
// return); the wrapper's first line sits above line 1, so V8's lines and
// columns are the script's own.
constexpr std::string_view wrapper_head =
  "(async function boocode_workflow_script() { 'use strict';\n";
constexpr std::string_view wrapper_tail = "\n})";

constexpr int stack_frames_kept = 16;
constexpr std::size_t heap_headroom = std::size_t{32} << 20;

std::string utf8(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  const v8::String::Utf8Value text(isolate, value);
  return *text != nullptr ? std::string(*text, static_cast<std::size_t>(text.length())) : "?";
}

} // namespace

std::string wrapped_source(std::string_view body) {
  std::string source;
  source.reserve(wrapper_head.size() + body.size() + wrapper_tail.size());
  source.append(wrapper_head).append(body).append(wrapper_tail);
  return source;
}

v8_run::v8_run(isolate_factory& factory, slice_pool& pool, run_request request,
               std::shared_ptr<run_host> host)
  : factory_(factory), pool_(pool), request_(std::move(request)), host_(std::move(host)),
    random_(std::random_device{}()) {}

v8_run::~v8_run() {
  if (isolate_ != nullptr) {
    {
      const v8::Locker locker(isolate_);
      const v8::Isolate::Scope in_isolate(isolate_);
      pending_.clear();
      main_.Reset();
      context_.Reset();
    }
    isolate_->Dispose();
  }
}

void v8_run::begin() {
  post({event::kind::start, 0, nullptr, {}});
}

void v8_run::settle(std::uint64_t id, nlohmann::json value) {
  post({event::kind::settle, id, std::move(value), {}});
}

void v8_run::reject(std::uint64_t id, std::string error_name, std::string message) {
  post({event::kind::reject, id, std::move(message), std::move(error_name)});
}

void v8_run::cancel() {
  auto expected = stop_reason::none;
  stop_.compare_exchange_strong(expected, stop_reason::cancelled);
  {
    const std::lock_guard lock(mutex_);
    if (isolate_ != nullptr) {
      isolate_->TerminateExecution();
    }
  }
  post({event::kind::cancel, 0, nullptr, {}});
}

void v8_run::over_time() {
  auto expected = stop_reason::none;
  stop_.compare_exchange_strong(expected, stop_reason::time_limit);
  const std::lock_guard lock(mutex_);
  if (isolate_ != nullptr) {
    isolate_->TerminateExecution();
  }
}

void v8_run::abandon() {
  stop_ = stop_reason::abandoned;
  const std::lock_guard lock(mutex_);
  if (isolate_ != nullptr) {
    isolate_->TerminateExecution();
  }
}

std::size_t v8_run::near_heap_limit(void* data, std::size_t current, std::size_t /*initial*/) {
  auto* self = static_cast<v8_run*>(data);
  auto expected = stop_reason::none;
  self->stop_.compare_exchange_strong(expected, stop_reason::memory_limit);
  self->isolate_->TerminateExecution();
  return current + heap_headroom; // room to unwind; the run ends after this slice
}

void v8_run::post(event e) {
  bool schedule = false;
  {
    const std::lock_guard lock(mutex_);
    queue_.push_back(std::move(e));
    schedule = !scheduled_;
    scheduled_ = true;
  }
  if (schedule) {
    pool_.schedule(shared_from_this());
  }
}

bool v8_run::run_slice() {
  event e;
  {
    const std::lock_guard lock(mutex_);
    if (queue_.empty()) {
      scheduled_ = false;
      return false;
    }
    e = std::move(queue_.front());
    queue_.pop_front();
  }
  if (!ended_ && e.what == event::kind::start && isolate_ == nullptr) {
    auto made = factory_.take(request_.limits.heap_bytes);
    allocator_ = std::move(made.allocator);
    auto* isolate = made.isolate;
    if (factory_.refill_due()) // the next run's isolate, made off its start path
      pool_.schedule(std::make_shared<refill_job>(factory_));
    isolate->SetData(0, this);
    isolate->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
    isolate->SetCaptureStackTraceForUncaughtExceptions(true, stack_frames_kept);
    isolate->AddNearHeapLimitCallback(&v8_run::near_heap_limit, this);
    const std::lock_guard lock(mutex_);
    isolate_ = isolate;
    if (stop_.load() != stop_reason::none) {
      isolate_->TerminateExecution();
    }
  }
  if (!ended_ && isolate_ != nullptr) {
    {
      const v8::Locker locker(isolate_);
      const v8::Isolate::Scope in_isolate(isolate_);
      const v8::HandleScope handles(isolate_);
      const bool starting = context_.IsEmpty();
      auto context = starting ? v8::Context::New(isolate_) : context_.Get(isolate_);
      const v8::Context::Scope in_context(context);
      v8::TryCatch trying(isolate_);
      if (starting) {
        context_.Reset(isolate_, context);
        context->AllowCodeGenerationFromStrings(false);
        start_script();
      } else if (e.what == event::kind::settle || e.what == event::kind::reject) {
        answer(e);
      }
      if (!ended_) {
        isolate_->PerformMicrotaskCheckpoint();
        conclude(trying);
      }
    }
    if (ended_) {
      v8::Isolate* isolate = nullptr;
      {
        const std::lock_guard lock(mutex_);
        std::swap(isolate, isolate_);
      }
      isolate->Dispose();
    }
  }
  const std::lock_guard lock(mutex_);
  const bool more = !queue_.empty();
  if (!more) {
    scheduled_ = false;
  }
  return more;
}

void v8_run::start_script() {
  if (stop_.load() != stop_reason::none) {
    return; // cancelled before it began; conclude() ends it
  }
  auto* isolate = isolate_;
  auto context = isolate->GetCurrentContext();
  auto global = context->Global();
  v8::Local<v8::Value> start;
  if (!global->Get(context, v8_text(isolate, "__start")).ToLocal(&start) || !start->IsFunction()) {
    finish({end_state::failed, nullptr, "the sandbox's prelude is missing"});
    return;
  }
  v8::Local<v8::Value> start_args[] = {
    v8_text(isolate, request_.args.dump()),
    request_.budget
      ? v8::Local<v8::Value>(v8::Number::New(isolate, static_cast<double>(*request_.budget)))
      : v8::Local<v8::Value>(v8::Null(isolate))};
  if (start.As<v8::Function>()->Call(context, global, 2, start_args).IsEmpty()) {
    return; // terminated; conclude() says why
  }
  const auto source = wrapped_source(request_.body);
  v8::ScriptOrigin origin(isolate, v8_text(isolate, request_.name), -1, 0);
  v8::TryCatch compiling(isolate);
  v8::Local<v8::Script> script;
  v8::Local<v8::Value> function;
  if (!v8::Script::Compile(context, v8_text(isolate, source), &origin).ToLocal(&script) ||
      !script->Run(context).ToLocal(&function)) {
    if (compiling.HasCaught() && !compiling.HasTerminated()) {
      finish({end_state::failed, nullptr, describe_exception(compiling.Exception())});
    }
    return;
  }
  v8::Local<v8::Value> promise;
  if (function.As<v8::Function>()->Call(context, global, 0, nullptr).ToLocal(&promise) &&
      promise->IsPromise()) {
    main_.Reset(isolate, promise.As<v8::Promise>());
  }
}

void v8_run::answer(event& e) {
  const auto it = pending_.find(e.id);
  if (it == pending_.end()) {
    return; // answered before, or never asked
  }
  auto* isolate = isolate_;
  auto context = isolate->GetCurrentContext();
  auto resolver = it->second.Get(isolate);
  pending_.erase(it);
  if (e.what == event::kind::settle) {
    v8::Local<v8::Value> value;
    if (!v8::JSON::Parse(context, v8_text(isolate, e.value.dump())).ToLocal(&value)) {
      value = v8::Null(isolate);
    }
    resolver->Resolve(context, value).FromMaybe(false);
    return;
  }
  auto error = v8::Exception::Error(v8_text(isolate, e.value.get<std::string>())).As<v8::Object>();
  error->Set(context, v8_text(isolate, "name"), v8_text(isolate, e.error_name)).FromMaybe(false);
  resolver->Reject(context, error).FromMaybe(false);
}

void v8_run::conclude(v8::TryCatch& trying) {
  switch (stop_.load()) {
    case stop_reason::cancelled:
      finish({end_state::cancelled, nullptr, "cancelled"});
      return;
    case stop_reason::time_limit:
      finish({end_state::failed, nullptr,
              fmt::format("time limit: the script ran {} ms of CPU without awaiting an agent",
                          request_.limits.slice_cpu.count())});
      return;
    case stop_reason::memory_limit:
      finish({end_state::failed, nullptr,
              fmt::format("memory limit: the script's heap passed {} MiB",
                          request_.limits.heap_bytes >> 20)});
      return;
    case stop_reason::abandoned: // the node stops: nothing to report, the run resumes elsewhere
      ended_ = true;
      pending_.clear();
      main_.Reset();
      context_.Reset();
      return;
    case stop_reason::none:
      break;
  }
  if (ended_) {
    return;
  }
  if (trying.HasTerminated()) {
    finish({end_state::failed, nullptr, "the script was stopped"});
    return;
  }
  if (main_.IsEmpty()) {
    finish({end_state::failed, nullptr, "the script did not start"});
    return;
  }
  auto* isolate = isolate_;
  auto context = isolate->GetCurrentContext();
  auto promise = main_.Get(isolate);
  switch (promise->State()) {
    case v8::Promise::kFulfilled: {
      auto result = promise->Result();
      if (result->IsUndefined() || result->IsFunction() || result->IsSymbol()) {
        finish({end_state::completed, nullptr, {}});
        return;
      }
      v8::TryCatch stringifying(isolate);
      v8::Local<v8::String> json;
      if (!v8::JSON::Stringify(context, result).ToLocal(&json)) {
        finish(
          {end_state::failed, nullptr,
           "the script's result is not JSON: " + describe_exception(stringifying.Exception())});
        return;
      }
      finish({end_state::completed, nlohmann::json::parse(utf8(isolate, json)), {}});
      return;
    }
    case v8::Promise::kRejected:
      finish({end_state::failed, nullptr, describe_exception(promise->Result())});
      return;
    case v8::Promise::kPending:
      if (pending_.empty()) {
        finish({end_state::failed, nullptr,
                "the script awaits a promise that nothing will settle (no agent or workflow "
                "call is running)"});
      }
      return;
  }
}

std::string v8_run::describe_exception(v8::Local<v8::Value> exception) {
  auto* isolate = isolate_;
  auto context = isolate->GetCurrentContext();
  std::string text = utf8(isolate, exception);
  if (exception->IsNativeError() &&
      text.rfind("RangeError: Maximum call stack size exceeded", 0) == 0) {
    return "stack overflow: the script recursed too deeply";
  }
  // Where: the innermost frame in the script itself (an error thrown by the
  // API points at the script's call, not into the prelude).
  if (auto trace = v8::Exception::GetStackTrace(exception); !trace.IsEmpty()) {
    for (int i = 0; i < trace->GetFrameCount(); ++i) {
      auto frame = trace->GetFrame(isolate, static_cast<std::uint32_t>(i));
      if (utf8(isolate, frame->GetScriptName()) == request_.name) {
        return fmt::format("{} (line {}, column {})", text, frame->GetLineNumber(),
                           frame->GetColumn());
      }
    }
  }
  auto message = v8::Exception::CreateMessage(isolate, exception);
  if (utf8(isolate, message->GetScriptResourceName()) == request_.name) {
    const int line = message->GetLineNumber(context).FromMaybe(0);
    if (line > 0) {
      return fmt::format("{} (line {}, column {})", text, line, message->GetStartColumn() + 1);
    }
  }
  return text;
}

void v8_run::finish(run_end end) {
  ended_ = true;
  pending_.clear();
  main_.Reset();
  context_.Reset();
  host_->ended(std::move(end));
}

v8::Local<v8::Promise> v8_run::host_call(call_kind kind, std::string path,
                                         const std::string& spec) {
  auto* isolate = isolate_;
  auto resolver = v8::Promise::Resolver::New(isolate->GetCurrentContext()).ToLocalChecked();
  const auto id = next_call_++;
  pending_[id].Reset(isolate, resolver);
  host_->call({id, kind, std::move(path), nlohmann::json::parse(spec)});
  return resolver->GetPromise();
}

double v8_run::value(const std::string& kind, const std::string& path) {
  if (const auto it = request_.recorded.find(path);
      it != request_.recorded.end() && it->second.is_number()) {
    return it->second.get<double>();
  }
  double v = 0;
  if (kind == "now") {
    v = static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
  } else {
    v = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  }
  request_.recorded[path] = v;
  host_->recorded(path, v);
  return v;
}

} // namespace boocode::sandbox
