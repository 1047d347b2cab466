#pragma once

// Internal to storage/: the SQL that ends a task, shared by the task
// repository (a task cancelled before it ran) and a subagent's checkpoint
// (its turn is over), so a task ends and notifies its parent the same way
// wherever it ends.

#include <optional>
#include <string>
#include <string_view>

#include <pqxx/pqxx>

#include "runtime/agent/task.hpp"

namespace boocode::storage {

/// A task's columns, in the order to_task reads them (unqualified: select
/// them from tasks, or from a subquery with tasks' columns).
extern const std::string task_columns;
/// How many they are: a query's own columns follow them.
constexpr int task_column_count = 30;
/// A workflow step's cache note as tasks.cache holds it, and back.
std::string cache_note_json(const agent::step_cache_note& n);
agent::step_cache_note cache_note_from_json(std::string_view text);

/// A task from a row that starts with task_columns.
agent::task_record to_task(const pqxx::row& row);

/// Writes task `s` (queued; with `completed_with`, completed with that
/// result) and its conversation row (a copy of its parent's: workspace,
/// owner, permissions) unless its parent's call wrote it before: the new
/// task, or nothing.
std::optional<agent::task_record> insert_task(pqxx::work& tx, const agent::task_spawn& s,
                                              const std::string* completed_with = nullptr);

/// Where end_task_ctes reads its values: SQL expressions, usually $N.
struct task_end_params {
  std::string id;     // the task
  std::string state;  // completed, failed or cancelled
  std::string result; // text
  std::string error;  // text ('': none)
  std::string note;   // the notification's text for the parent
  std::string after;  // a CTE the end waits for ("lease"), or empty
};

/// Two CTEs (", ended AS (...), note AS (...)", to follow a WITH list):
/// `ended` ends the task unless it ended before (a final state is written
/// once); `note` puts the notification into the inbox of
/// the agent that spawned it (once: client_id 'task:' || id), returning the
/// entry's id, its created_at and the parent's actor id.
std::string end_task_ctes(const task_end_params& p);

} // namespace boocode::storage
