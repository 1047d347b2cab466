#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include <gtest/gtest.h>
#include <libplatform/libplatform.h>
#include <v8.h>

namespace {

/// V8's platform may be initialised once per process.
class v8_environment : public ::testing::Environment {
public:
  void SetUp() override {
    platform_ = v8::platform::NewDefaultPlatform();
    v8::V8::InitializePlatform(platform_.get());
    v8::V8::Initialize();
  }
  void TearDown() override {
    v8::V8::Dispose();
    v8::V8::DisposePlatform();
  }

private:
  std::unique_ptr<v8::Platform> platform_;
};

const auto* const env = ::testing::AddGlobalTestEnvironment(new v8_environment);

struct isolate_holder {
  std::unique_ptr<v8::ArrayBuffer::Allocator> alloc{
    v8::ArrayBuffer::Allocator::NewDefaultAllocator()};
  v8::Isolate* iso;
  isolate_holder() {
    v8::Isolate::CreateParams params;
    params.array_buffer_allocator = alloc.get();
    iso = v8::Isolate::New(params);
  }
  ~isolate_holder() { iso->Dispose(); }
};

} // namespace

TEST(V8SmokeTest, EvaluatesScriptInAPlainContext) {
  isolate_holder h;
  v8::Isolate::Scope is(h.iso);
  v8::HandleScope hs(h.iso);
  auto ctx = v8::Context::New(h.iso);
  v8::Context::Scope cs(ctx);
  auto src =
    v8::String::NewFromUtf8Literal(h.iso, "[1,2,3].map(x => x * 2).join(',') + typeof require");
  auto result = v8::Script::Compile(ctx, src).ToLocalChecked()->Run(ctx).ToLocalChecked();
  v8::String::Utf8Value s(h.iso, result);
  EXPECT_STREQ(*s, "2,4,6undefined");
  EXPECT_EQ(std::string(v8::V8::GetVersion()).rfind("10.2", 0), 0u);
}

TEST(V8SmokeTest, AWatchdogStopsAnEndlessLoop) {
  isolate_holder h;
  v8::Isolate::Scope is(h.iso);
  v8::HandleScope hs(h.iso);
  auto ctx = v8::Context::New(h.iso);
  v8::Context::Scope cs(ctx);
  std::atomic<bool> finished{false};
  std::thread watchdog{[&] {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    while (!finished && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    h.iso->TerminateExecution();
  }};
  v8::TryCatch tc(h.iso);
  auto src = v8::String::NewFromUtf8Literal(h.iso, "for(;;){}");
  auto r = v8::Script::Compile(ctx, src).ToLocalChecked()->Run(ctx);
  finished = true;
  watchdog.join();
  EXPECT_TRUE(r.IsEmpty());
  EXPECT_TRUE(tc.HasTerminated());
}
