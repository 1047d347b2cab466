#pragma once

#include <string>
#include <vector>

#include "runtime/chat/service.hpp"
#include "runtime/protocol/workflows.hpp"
#include "runtime/workflow/discovery.hpp"
#include "runtime/workflow/records.hpp"

namespace boocode::workflow {

/// A run as GET /api/workflow-runs/:id shows it.
struct run_snapshot {
  run_record run;
  std::vector<agent::task_record> steps;
  std::vector<journal_entry> journal;
};

/// A workspace's share of the step cache.
struct cache_totals {
  std::string workspace; // canonical
  int64_t entries = 0;
  int64_t bytes = 0;
};

/// What the HTTP API asks of workflows (actors/workflow_service_impl).
/// Errors are service errors with their HTTP status: 400 for a script that
/// does not check (with line and column) or bad input, 404 for an unknown
/// workflow, run or chat (also one the caller may not see), 503 when the
/// database fails.
class workflow_service {
public:
  virtual ~workflow_service() = default;
  /// Every workflow a chat in `workspace` can run.
  virtual chat::result<std::vector<workflow_entry>> list(const std::string& workspace) = 0;
  /// Checks the script, writes the run and starts it; answers at once.
  virtual chat::result<run_snapshot> start(const protocol::workflow_start& s,
                                           const chat::caller& who) = 0;
  virtual chat::result<run_snapshot> get(const std::string& id, const chat::caller& who) = 0;
  /// Stops the run (its running steps stop with it).
  virtual chat::result<bool> cancel(const std::string& id, const chat::caller& who) = 0;
  /// Stops one step: its agent() resolves null. How many tasks stopped.
  virtual chat::result<int> cancel_step(const std::string& id, const std::string& step,
                                        const chat::caller& who) = 0;
  /// The step cache's entries for `workspace`, and clearing them (the
  /// totals before).
  virtual chat::result<cache_totals> cache(const std::string& workspace) = 0;
  virtual chat::result<cache_totals> clear_cache(const std::string& workspace) = 0;
};

} // namespace boocode::workflow
