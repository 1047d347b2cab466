#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/agent/task.hpp"
#include "runtime/chat/events.hpp"

// Background subagents ("tasks") on the wire: the task record of GET
// /api/chats/:id/tasks and of task_update frames, and the content of the
// task_event entries that carry a task's changes and approval requests to
// its chat's session (docs/api.md, docs/protocol.md).

namespace boocode::protocol {

/// {"id", "chat_id", "parent_id", "depth", "description", "prompt", "tools",
/// "model", "worktree", "state", "result", "error", "usage": {"input",
/// "cached", "output", "reasoning"}, "cost_usd", "owner_node",
/// "worktree_path", "branch", "created_at", "started_at", "ended_at"}; the
/// optional ones null when unset.
nlohmann::json to_json(const agent::task_record& t);

/// GET /api/chats/:id/tasks: {"items": [task, ...], "totals": {"input",
/// "cached", "output", "reasoning", "cost_usd"}} (the tasks' sums).
nlohmann::json task_list(const std::vector<agent::task_record>& tasks);

/// POST /api/chats/:id/tasks/stop and .../tasks/:task/stop: {"stopped": n}.
nlohmann::json stopped(int n);

/// A task_event's content for a task's new state: {"task": {...}}.
std::string task_event_text(const agent::task_record& t);
/// A task_event's content for a subagent's approval request or its answer
/// (approval_requested or approval_resolved): {"approval"|"resolved": {...}}
/// with the task id inside.
std::string task_event_text(const chat::approval_requested& a);
std::string task_event_text(const chat::approval_resolved& r);

/// The event a task_event's content stands for (task_changed,
/// approval_requested or approval_resolved); nothing for text that is none.
std::optional<chat::agent_event> read_task_event(const std::string& text);

} // namespace boocode::protocol
