#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/agent/task.hpp"
#include "runtime/protocol/requests.hpp"
#include "runtime/workflow/discovery.hpp"
#include "runtime/workflow/records.hpp"

// Workflows on the wire (docs/workflows.md, docs/api.md): the catalog of
// GET /api/workflows, the run of GET /api/workflow-runs/:id and of
// workflow_update frames, and the body of POST /api/workflow-runs.

namespace boocode::protocol {

/// GET /api/workflows: {"items": [{"name", "description", "when_to_use",
/// "phases": [{"title", "detail"}], "args", "origin" (project, user, claude,
/// builtin), "path", "source", "problem"}]}; "problem" (why it cannot run)
/// is null when it checks, and then only "description" and "args" are set.
nlohmann::json workflow_list(const std::vector<workflow::workflow_entry>& entries);

/// A run with its steps and log: {"id", "name", "chat_id" (null over REST),
/// "parent_id", "workspace", "state", "args", "result", "error", "budget",
/// "usage": {"input", "cached", "output", "reasoning"} (its steps' sums),
/// "cost_usd", "phases": [titles: meta's, then any other the script
/// entered], "steps": [{"id", "kind" (agent|workflow), "path", "label",
/// "phase", "state", "usage", "cost_usd", "cached", "result" (its start),
/// "error", "created_at", "started_at", "ended_at"}], "logs": [{"path",
/// "text", "phase", "at"}], "created_at", "started_at", "ended_at"}.
nlohmann::json run_view(const workflow::run_record& run,
                        const std::vector<agent::task_record>& steps,
                        const std::vector<workflow::journal_entry>& journal);

/// POST /api/workflow-runs/:id/cancel: {"cancelled": false} when it had ended.
nlohmann::json cancelled(bool stopped);

/// {"type": "workflow_update", "run": run_view}.
std::string workflow_update_frame(const nlohmann::json& view);

/// POST /api/workflow-runs: {"workspace", "name" | "script", "args"?,
/// "chat_id"?, "budget"?}.
struct workflow_start {
  std::string workspace;
  std::string name;
  std::string script;
  nlohmann::json args = nullptr;
  std::string chat_id;
  std::optional<int64_t> budget;
  cache_mode cache = cache_mode::on; // its use of the step cache
};
std::variant<workflow_start, body_error> read_workflow_start(std::string_view body);

/// GET (and DELETE) /api/workspaces/cache: {workspace, entries, bytes},
/// and with `cleared` {…, cleared: true} (the totals it removed).
nlohmann::json cache_view(const std::string& workspace, int64_t entries, int64_t bytes,
                          bool cleared);

/// The longest result text a run's view quotes for a step.
constexpr std::size_t step_result_preview = 400;

} // namespace boocode::protocol
