#pragma once

// Whether a cached step still holds in a workspace, and putting back what it
// wrote. Blocking; for the blocking pools.

#include <filesystem>
#include <optional>
#include <string>

#include "runtime/step_cache/record.hpp"

namespace boocode::step_cache {

/// Why a step was not taken from the cache (docs/workflows.md).
enum class miss_kind {
  first_run,      // no entry for its key, nor one for its place in the workflow
  gone,           // its place had an entry for this spec: expired, evicted or cleared
  spec_changed,   // its place's last entry asked something else (detail: the field)
  input_changed,  // a file it read is not as it was (detail: the path)
  write_conflict, // a file it wrote changed since (detail: the path)
  disabled,       // the call or the run turned the cache off
  uncacheable,    // the step could not be recorded (detail: why)
};

struct miss {
  miss_kind kind = miss_kind::first_run;
  std::string detail;
  /// "first run", "spec changed: prompt", "input changed: src/a.c", ...
  std::string describe() const;
};

struct check_limits {
  std::size_t max_search_file_bytes = std::size_t{2} * 1024 * 1024; // as search reads
  std::size_t max_manifest_files = 20000;
};

/// Whether `r` holds in the workspace now: what the step read is as it was,
/// and each file it wrote is as it found it or as it left it. Nothing when
/// it holds; else the first reason it does not.
std::optional<miss> check(const std::filesystem::path& workspace, const step_record& r,
                          const check_limits& limits = {});

/// Puts the files `r` wrote into the workspace as the step left them (a
/// file already so stays untouched). Throws std::runtime_error naming the
/// path it could not write; a path outside the workspace is refused.
void restore(const std::filesystem::path& workspace, const step_record& r);

} // namespace boocode::step_cache
