#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/agent/task.hpp"

namespace boocode::trace {

/// Where an actor's turn sits among OpenTelemetry's traces: one trace per
/// chat turn, a subagent's or workflow step's turns nested under the call
/// that spawned them, in the trace of the chat turn that started it all.
/// Ids are derived from names (chat, turn, call), so every node and every
/// restart gives the same ones without storing them.
struct turn_trace {
  std::string trace_id;       // 32 hex digits
  std::string span_id;        // 16: the turn's own span
  std::string parent_span_id; // 16; empty for a chat's turn (the trace's root)
  /// The chat at the root (a workflow run's id for a run started over REST).
  std::string root_chat;
};

/// The trace id of chat `chat_id`'s turn `turn`.
std::string trace_id_of(std::string_view chat_id, int turn);

/// The span id of the call `call_id` (a tool call's id, or "turn" for the
/// turn itself) in `actor_id`'s turn `turn`.
std::string span_id_of(std::string_view actor_id, int turn, std::string_view call_id);

/// Finds a task by its id (a subagent, a workflow run or step); none when gone.
using task_lookup = std::function<std::optional<agent::task_record>(const std::string& id)>;

/// The trace of `actor_id`'s turn `turn`: a chat's own (no `spawn`), else
/// under the call of the spawn's parent (its call_id "STEP:CALL", as the
/// kernel hands it to the tools) (a workflow run's steps under the
/// call that started the run), in its root chat turn's trace. Climbs at
/// most 16 spawns through `find`.
turn_trace turn_trace_of(std::string_view actor_id, int turn, const agent::task_spawn* spawn,
                         const task_lookup& find);

} // namespace boocode::trace
