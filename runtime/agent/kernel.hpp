#pragma once

#include <cstdint>
#include <vector>

#include "runtime/agent/spec.hpp"
#include "runtime/agent/turn_context.hpp"
#include "runtime/agent/turn_io.hpp"
#include "runtime/cancel_token.hpp"
#include "runtime/chat/journal.hpp"
#include "runtime/model/conversation.hpp"
#include "runtime/trace/tracer.hpp"

namespace boocode::agent {

/// Which turn to run, and from what.
struct turn_input {
  int turn = 0;
  /// The user messages this turn took from the inbox (turn_start lists them).
  std::vector<int64_t> user_message_ids{};
  /// The journal of this turn from an earlier run cut short, or null.
  const chat::turn_journal* resume = nullptr;
  /// Users' answers to the approvals this turn asked for.
  std::vector<chat::approval_answer> answers{};
  /// The index in the conversation of the turn's first message (its user
  /// messages come first); nothing: the user messages at its end.
  std::optional<size_t> first_message{};
};

/// Runs one turn of the agent `spec`: calls its model with the conversation,
/// runs the tool calls it asks for with its tool set, runs its hooks after
/// each reply's calls, and repeats until the model answers without tools,
/// the turn is cancelled, fails or goes over its limits. `conv` is what the
/// model sees of the agent's history besides the system prompt (including
/// this turn's input); it grows by what the turn stores. Publishes its
/// events (turn_started, deltas, message_stored, tool_started,
/// tool_finished, error_raised, turn_ended); every model call, tool call and
/// hook step goes through `tracer` (null: untraced), whose call events go out
/// with them. Events are published in batches, always before the turn blocks
/// and before a trace row is handed to the trace writer.
///
/// Each finished step is journaled through `io` as it completes, and a tool
/// call's intent before it starts (before its trace span, so the journal is
/// not charged to the tool). With `in.resume`, finished steps are taken from
/// it instead of being done again (no frames, no traces); a tool call with an
/// intent and no result was interrupted: a read-only tool runs again, any
/// other is reported to the model as interrupted and not run. When `cancel`
/// says the node is stopping, the turn stops at once and journals nothing more.
///
/// A call the chat's permissions (io.permissions()) do not let through
/// waits for a user: its request is journaled and published
/// (approval_requested) and the turn stops with `waiting` set, to be run
/// again (resumed) with the answer in `in.answers`: allowed, the call runs;
/// denied, the model is told so (outcome `denied`). A cancelled turn
/// replays its journaled replies first, so every call gets a result.
turn_summary run_turn(const spec& spec, const turn_input& in, model::conversation& conv,
                      turn_io& io, const cancel_token& cancel, trace::tracer* tracer = nullptr);

/// What the model is told about a call that was interrupted and not re-run.
extern const char* const interrupted_call_text;

} // namespace boocode::agent
