#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

// Every state and kind that crosses the wire (frames, REST records, the
// admin port, the database) as an enum with one name table: to_string() and
// from_text() are the only way between the two. docs/protocol.md and
// docs/api.md list the names; tests/contract/states.json is written from
// these tables and the web app's lists are checked against it.

namespace boocode::protocol {

/// A chat as GET /api/chats/:id shows it: `restarting` while its crashed
/// session waits to be started again, `failed` after repeated crashes,
/// `stopped` by an operator, `unavailable` when no node can serve it now.
enum class chat_status { idle, running, restarting, failed, stopped, unavailable };

/// A loaded session, as its snapshot says: whether a turn runs.
enum class session_status { idle, running };

/// How a turn ended. `interrupted`: the node stopped and the turn resumes
/// from its journal on the next start (never stored, never in a turn_end).
enum class turn_outcome { completed, cancelled, error, interrupted };

/// How a tool call (and any traced call) ended. A command that ran and
/// exited non-zero is `ok` with its exit code; `denied`: refused before it
/// ran (a path outside the workspace); `interrupted`: the node stopped while
/// it ran.
enum class tool_outcome { ok, error, timeout, cancelled, denied, interrupted };

/// What a trace records: a tool call (or the auto-fix build) or a model call.
enum class trace_kind { tool, model, cache };

/// The kinds of actor that run agents: a chat's session, a background
/// subagent (a task; its id starts with "t_"), a workflow run ("w_") and a
/// step of one ("s_").
enum class actor_kind { session, subagent, workflow, workflow_step };

/// The kind of the actor `id` names, by its prefix (storage's
/// actor_kind_of says the same).
constexpr actor_kind kind_of_actor(std::string_view id) {
  if (id.starts_with("t_"))
    return actor_kind::subagent;
  if (id.starts_with("w_"))
    return actor_kind::workflow;
  if (id.starts_with("s_"))
    return actor_kind::workflow_step;
  return actor_kind::session;
}

/// An actor as the admin port shows it (docs/admin.md).
enum class actor_state { running, idle, unloaded, stopped, restarting, failed, unowned, unknown };

/// Who wrote a stored message.
enum class message_role { user, assistant, tool };

/// The code of an `error` frame about a turn.
enum class turn_error { model_error, too_many_steps, over_budget, turn_failed };

/// Why a `session_failed` frame says a chat's session does not run.
enum class session_failure { failed, stopped, unavailable };

/// Every frame type the node sends over /ws.
enum class server_frame {
  hello,
  pong,
  error,
  session_failed,
  snapshot,
  ack,
  message,
  turn_start,
  assistant_delta,
  reasoning_delta,
  tool_call,
  tool_result,
  turn_end,
  tool_trace_start,
  tool_trace_finish,
  model_trace_start,
  model_trace_finish,
  approval_request,
  approval_resolved,
  task_update,
  workflow_update
};

/// Every frame type a client may send.
enum class client_frame { ping, subscribe, unsubscribe, user_message, cancel, approval_answer };

/// What a user may do: an admin sees every chat, a user their own.
enum class user_role { admin, user };

/// Which of a chat's tool calls wait for a user's decision: `ask`, every
/// call that writes a file or runs a command; `auto_edit` ("auto-edit"),
/// commands only; `allow`, none. The chat's always-allow rules apply first.
enum class permission_mode { ask, auto_edit, allow };

/// A background subagent's state: `queued` until a limit lets it start,
/// then `running`, and one of the three ends, which it never leaves.
enum class task_state { queued, running, completed, failed, cancelled };

/// Whether a workflow step came from the step cache: `hit` (no model call;
/// its files were put back), `miss` (it ran; the reason says why), `off`
/// (the call or its run turned the cache off).
enum class cache_status { hit, miss, off };

/// A workflow run's use of the step cache: `on` reads and writes it,
/// `read` only takes hits, `write` runs every step and stores them, `off`.
enum class cache_mode { on, read, write, off };

/// A user's answer to an approval request; `allow_always` also adds a rule
/// to the chat so that calls like it run without asking.
enum class approval_decision { allow, deny, allow_always };

/// The name table of enum E: `what` names the state for messages, `names`
/// holds one name per value, in declaration order.
template <class E>
struct enum_names;

template <class E>
concept named_enum = requires {
  enum_names<E>::what;
  enum_names<E>::names;
};

#define BOOCODE_ENUM_NAMES(E, WHAT, ...)                                                           \
  template <>                                                                                      \
  struct enum_names<E> {                                                                           \
    static constexpr std::string_view what = WHAT;                                                 \
    static constexpr auto names = std::to_array<std::string_view>({__VA_ARGS__});                  \
  }

BOOCODE_ENUM_NAMES(chat_status, "chat status", "idle", "running", "restarting", "failed", "stopped",
                   "unavailable");
BOOCODE_ENUM_NAMES(session_status, "session status", "idle", "running");
BOOCODE_ENUM_NAMES(turn_outcome, "turn outcome", "completed", "cancelled", "error", "interrupted");
BOOCODE_ENUM_NAMES(tool_outcome, "tool outcome", "ok", "error", "timeout", "cancelled", "denied",
                   "interrupted");
BOOCODE_ENUM_NAMES(trace_kind, "trace kind", "tool", "model", "cache");
BOOCODE_ENUM_NAMES(actor_kind, "actor kind", "session", "subagent", "workflow", "workflow_step");
BOOCODE_ENUM_NAMES(actor_state, "actor state", "running", "idle", "unloaded", "stopped",
                   "restarting", "failed", "unowned", "unknown");
BOOCODE_ENUM_NAMES(message_role, "message role", "user", "assistant", "tool");
BOOCODE_ENUM_NAMES(turn_error, "turn error", "model_error", "too_many_steps", "over_budget",
                   "turn_failed");
BOOCODE_ENUM_NAMES(session_failure, "session failure", "failed", "stopped", "unavailable");
BOOCODE_ENUM_NAMES(server_frame, "frame type", "hello", "pong", "error", "session_failed",
                   "snapshot", "ack", "message", "turn_start", "assistant_delta", "reasoning_delta",
                   "tool_call", "tool_result", "turn_end", "tool_trace_start", "tool_trace_finish",
                   "model_trace_start", "model_trace_finish", "approval_request",
                   "approval_resolved", "task_update", "workflow_update");
BOOCODE_ENUM_NAMES(client_frame, "client frame type", "ping", "subscribe", "unsubscribe",
                   "user_message", "cancel", "approval_answer");
BOOCODE_ENUM_NAMES(user_role, "user role", "admin", "user");
BOOCODE_ENUM_NAMES(permission_mode, "permission mode", "ask", "auto-edit", "allow");
BOOCODE_ENUM_NAMES(approval_decision, "decision", "allow", "deny", "allow_always");
BOOCODE_ENUM_NAMES(task_state, "task state", "queued", "running", "completed", "failed",
                   "cancelled");
BOOCODE_ENUM_NAMES(cache_status, "cache status", "hit", "miss", "off");
BOOCODE_ENUM_NAMES(cache_mode, "cache mode", "on", "read", "write", "off");

#undef BOOCODE_ENUM_NAMES

/// Calls f(E{}) for every enum above, in order (the contract fixtures list
/// them all: add a new one here too).
template <class F>
void for_each_named_enum(F&& f) {
  f(chat_status{});
  f(session_status{});
  f(turn_outcome{});
  f(tool_outcome{});
  f(trace_kind{});
  f(actor_kind{});
  f(actor_state{});
  f(message_role{});
  f(turn_error{});
  f(session_failure{});
  f(server_frame{});
  f(client_frame{});
  f(user_role{});
  f(permission_mode{});
  f(approval_decision{});
  f(task_state{});
  f(cache_status{});
  f(cache_mode{});
}

/// A value read from the database, a peer or a request that names no value
/// of its state; the message names the state and the value.
class unknown_value : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

template <named_enum E>
constexpr std::string_view to_string(E x) {
  return enum_names<E>::names[static_cast<size_t>(x)];
}

/// The value named `text`, or nothing.
template <named_enum E>
constexpr std::optional<E> from_name(std::string_view text) {
  const auto& names = enum_names<E>::names;
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == text)
      return static_cast<E>(i);
  return std::nullopt;
}

/// The message for a value of no state E: unknown chat status 'zzz' (one of
/// idle, running, ...).
template <named_enum E>
std::string unknown_text(std::string_view text) {
  std::string out = "unknown ";
  out += enum_names<E>::what;
  out += " '";
  out += text;
  out += "' (one of";
  const auto& names = enum_names<E>::names;
  for (size_t i = 0; i < names.size(); ++i) {
    out += i == 0 ? " " : ", ";
    out += names[i];
  }
  out += ')';
  return out;
}

/// The value named `text`; throws unknown_value (never a silent default).
template <named_enum E>
E from_text(std::string_view text) {
  if (auto x = from_name<E>(text))
    return *x;
  throw unknown_value(unknown_text<E>(text));
}

} // namespace boocode::protocol
