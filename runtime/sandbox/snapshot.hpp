#pragma once

// Internal to runtime/sandbox: V8's process-wide set-up and the startup
// snapshot of the workflow API.

#include <string>

namespace boocode::sandbox {

/// Initialises V8 once per process (V8 allows one platform per process,
/// never initialised twice, so it lives until the process ends).
void ensure_v8();

/// A startup snapshot whose default context has run the prelude.
std::string make_snapshot();

} // namespace boocode::sandbox
