#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "runtime/chat/records.hpp"
#include "runtime/model/usage.hpp"
#include "runtime/protocol/states.hpp"
#include "runtime/trace/trace.hpp"

namespace boocode::chat {

// What an agent does, as typed events: the agent loop emits them, the session
// keeps its live view from them and relays them; runtime/protocol turns each
// into its frame (docs/protocol.md names the frame beside each event).

/// turn_start: the turn begins (or continues after a restart: `resumed`).
struct turn_started {
  int turn = 0;
  /// The waiting user messages this turn answers (none when resumed).
  std::vector<int64_t> user_message_ids;
  bool resumed = false;
};

/// assistant_delta: a piece of the model's answer as it streams.
struct answer_delta {
  int turn = 0;
  std::string text;
};

/// reasoning_delta: a piece of the model's reasoning as it streams.
struct reasoning_delta {
  int turn = 0;
  std::string text;
};

/// message: a message was stored (the user's, a reply, a tool result).
struct message_stored {
  message_record message;
};

/// ack: a user message is in the inbox.
struct message_acked {
  std::string client_id;
  int64_t message_id = 0;
};

/// tool_call: a tool call (or the auto-fix build) is about to run.
struct tool_started {
  int turn = 0;
  std::string call_id;
  std::string name;
  std::string arguments; // JSON text as the model sent it
};

/// tool_result: it ended.
struct tool_finished {
  int turn = 0;
  std::string call_id;
  std::string name;
  protocol::tool_outcome outcome = protocol::tool_outcome::ok;
  std::string output;
  std::optional<int> exit_code;
  int64_t duration_ms = 0;
};

// tool_trace_start / model_trace_start and tool_trace_finish /
// model_trace_finish: trace::call_started and trace::call_finished.

/// error: something failed inside a turn.
struct error_raised {
  protocol::turn_error code = protocol::turn_error::turn_failed;
  std::string message;
};

/// turn_end: the turn is over and stored.
struct turn_ended {
  int turn = 0;
  protocol::turn_outcome outcome = protocol::turn_outcome::completed;
  model::token_usage usage;
  std::string error; // when outcome is error
};

/// approval_request: a tool call waits for a user's decision (again after
/// a restart: the resumed turn asks once more, with the same id).
struct approval_requested {
  int turn = 0;
  std::string id;
  std::string call_id;
  std::string tool;
  std::string arguments; // JSON text as the model sent it
  std::string reason;
  /// A subagent's request, shown in its chat: the task (empty: the chat's own).
  std::string task_id{};
};

/// approval_resolved: a user answered it (the answer is stored; the turn
/// goes on with it).
struct approval_resolved {
  std::string id;
  protocol::approval_decision decision = protocol::approval_decision::deny;
  std::string note;
  std::string user;
  std::string task_id{}; // a subagent's approval: its task
};

/// task_update: a task of the chat changed (spawned, started, ended).
struct task_changed {
  std::string task; // the task as GET /api/chats/:id/tasks lists it, JSON text
};

using agent_event =
  std::variant<turn_started, answer_delta, reasoning_delta, message_stored, message_acked,
               tool_started, tool_finished, trace::call_started, trace::call_finished, error_raised,
               turn_ended, approval_requested, approval_resolved, task_changed>;

/// Events sent together: one actor message per step, not one per event.
using event_batch = std::vector<agent_event>;

/// Where an agent's events go. publish() must not block for long: it runs on
/// the agent's own thread, between its steps.
class event_sink {
public:
  virtual ~event_sink() = default;
  virtual void publish(event_batch batch) = 0;
};

} // namespace boocode::chat
