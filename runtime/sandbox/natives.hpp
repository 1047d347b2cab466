#pragma once

// Internal to runtime/sandbox: the native functions behind the prelude.

#include <cstdint>

#include <v8.h>

namespace boocode::sandbox {

/// The global object's template: `__boocode` with the natives the prelude
/// takes (runtime/sandbox/prelude.js).
v8::Local<v8::ObjectTemplate> global_template(v8::Isolate* isolate);

/// Every native's address, null-terminated: V8 needs them to write the
/// startup snapshot and to read it back.
const intptr_t* external_references();

/// A V8 string from UTF-8.
v8::Local<v8::String> v8_text(v8::Isolate* isolate, std::string_view text);

} // namespace boocode::sandbox
