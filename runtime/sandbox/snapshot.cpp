#include "runtime/sandbox/snapshot.hpp"

#include <libplatform/libplatform.h>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "runtime/sandbox/natives.hpp"

namespace boocode::sandbox {

extern const char* const prelude_source; // generated from prelude.js

void ensure_v8() {
  static std::once_flag once;
  static std::unique_ptr<v8::Platform> platform;
  std::call_once(once, [] {
    platform = v8::platform::NewDefaultPlatform();
    v8::V8::InitializePlatform(platform.get());
    v8::V8::Initialize();
  });
}

std::string make_snapshot() {
  ensure_v8();
  v8::StartupData blob{};
  {
    v8::SnapshotCreator creator(external_references());
    auto* isolate = creator.GetIsolate();
    {
      const v8::HandleScope handles(isolate);
      auto context = v8::Context::New(isolate, nullptr, global_template(isolate));
      const v8::Context::Scope in_context(context);
      const v8::TryCatch trying(isolate);
      v8::ScriptOrigin origin(isolate, v8_text(isolate, "boocode:prelude"));
      v8::Local<v8::Script> script;
      if (!v8::Script::Compile(context, v8_text(isolate, prelude_source), &origin)
             .ToLocal(&script) ||
          script->Run(context).IsEmpty()) {
        const v8::String::Utf8Value why(isolate, trying.Exception());
        throw std::logic_error(std::string("the workflow prelude failed: ") + (*why ? *why : "?"));
      }
      creator.SetDefaultContext(context);
    }
    blob = creator.CreateBlob(v8::SnapshotCreator::FunctionCodeHandling::kKeep);
  }
  std::string out(blob.data, static_cast<std::size_t>(blob.raw_size));
  delete[] blob.data;
  return out;
}

} // namespace boocode::sandbox
