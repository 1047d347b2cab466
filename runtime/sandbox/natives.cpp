#include "runtime/sandbox/natives.hpp"

#include <string>

#include "runtime/sandbox/v8_run.hpp"

namespace boocode::sandbox {
namespace {

using args = v8::FunctionCallbackInfo<v8::Value>;

// The run these natives serve; null while the snapshot is made.
v8_run* run_of(const args& info) {
  return static_cast<v8_run*>(info.GetIsolate()->GetData(0));
}

std::string text(const args& info, int i) {
  const v8::String::Utf8Value value(info.GetIsolate(), info[i]);
  return *value != nullptr ? std::string(*value, static_cast<std::size_t>(value.length())) : "";
}

void throw_type_error(const args& info, std::string_view why) {
  auto* isolate = info.GetIsolate();
  isolate->ThrowException(v8::Exception::TypeError(v8_text(isolate, why)));
}

// call(kind, path, specJson) -> Promise
void call(const args& info) {
  auto* run = run_of(info);
  if (run == nullptr || info.Length() != 3) {
    throw_type_error(info, "call(kind, path, spec)");
    return;
  }
  const auto kind = text(info, 0) == "workflow" ? call_kind::workflow : call_kind::agent;
  try {
    info.GetReturnValue().Set(run->host_call(kind, text(info, 1), text(info, 2)));
  } catch (const std::exception& e) {
    throw_type_error(info, e.what());
  }
}

// value(kind, path) -> number
void value(const args& info) {
  auto* run = run_of(info);
  if (run == nullptr || info.Length() != 2) {
    throw_type_error(info, "value(kind, path)");
    return;
  }
  info.GetReturnValue().Set(run->value(text(info, 0), text(info, 1)));
}

void scope(const args& info) {
  info.GetReturnValue().Set(
    info.GetIsolate()->GetCurrentContext()->GetContinuationPreservedEmbedderData());
}

void enter(const args& info) {
  info.GetIsolate()->GetCurrentContext()->SetContinuationPreservedEmbedderData(info[0]);
}

// event(kind, path, text, phase)
void event(const args& info) {
  auto* run = run_of(info);
  if (run == nullptr || info.Length() != 4) {
    throw_type_error(info, "event(kind, path, text, phase)");
    return;
  }
  run_event e;
  e.what = text(info, 0) == "phase" ? run_event::kind::phase : run_event::kind::log;
  e.path = text(info, 1);
  e.text = text(info, 2);
  e.phase = text(info, 3);
  run->host_event(std::move(e));
}

void spent(const args& info) {
  auto* run = run_of(info);
  info.GetReturnValue().Set(run == nullptr ? 0.0 : run->spent());
}

struct native {
  const char* name;
  v8::FunctionCallback callback;
};
constexpr native natives[] = {{"call", call},   {"value", value}, {"scope", scope},
                              {"enter", enter}, {"event", event}, {"spent", spent}};

} // namespace

v8::Local<v8::String> v8_text(v8::Isolate* isolate, std::string_view text) {
  return v8::String::NewFromUtf8(isolate, text.data(), v8::NewStringType::kNormal,
                                 static_cast<int>(text.size()))
    .ToLocalChecked();
}

v8::Local<v8::ObjectTemplate> global_template(v8::Isolate* isolate) {
  auto global = v8::ObjectTemplate::New(isolate);
  auto api = v8::ObjectTemplate::New(isolate);
  for (const auto& n : natives) {
    api->Set(isolate, n.name, v8::FunctionTemplate::New(isolate, n.callback));
  }
  global->Set(isolate, "__boocode", api);
  return global;
}

const intptr_t* external_references() {
  static const auto refs = [] {
    std::array<intptr_t, std::size(natives) + 1> out{};
    for (std::size_t i = 0; i < std::size(natives); ++i) {
      out[i] = reinterpret_cast<intptr_t>(natives[i].callback);
    }
    return out;
  }();
  return refs.data();
}

} // namespace boocode::sandbox
