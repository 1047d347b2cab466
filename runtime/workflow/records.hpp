#pragma once

// A workflow run and its journal as stored (storage/workflow_repository) and
// shown (runtime/protocol/workflows).

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/agent/task.hpp"

namespace boocode::workflow {

/// A run: its task (state, usage, times; id "w_…"), its script and where it
/// works.
struct run_record {
  agent::task_record task;
  std::string name;
  std::string source;
  nlohmann::json args;
  nlohmann::json meta;
  std::optional<int64_t> budget;
  int concurrency = 3;
  std::string workspace;
  std::string owner;
  nlohmann::json result;                                 // once completed
  protocol::cache_mode cache = protocol::cache_mode::on; // its use of the step cache
};

/// A value the script read (Date.now(), Math.random()) or a line it wrote
/// (log, phase), by its structural path.
struct journal_entry {
  std::string path;
  std::string kind; // now, random, log, phase, warning
  nlohmann::json value;
  std::string phase;
  std::string created_at;
};

} // namespace boocode::workflow
