#pragma once

#include <utility>

#include "runtime/agent/approval_gate.hpp"
#include "runtime/agent/cache_watch.hpp"
#include "runtime/agent/spec.hpp"
#include "runtime/agent/turn_io.hpp"
#include "runtime/cancel_token.hpp"
#include "runtime/model/conversation.hpp"
#include "runtime/trace/tracer.hpp"

namespace boocode::agent {

/// A turn's events, collected and published in one batch per flush: one
/// actor message per step instead of one per event. Flush before a model
/// call or a tool, so frames go out in the order things happened; a trace
/// row is handed on only after its frames went out (commit_after_flush).
class event_out {
public:
  event_out(chat::event_sink& sink, trace::tracer& tracer) : sink_(sink), tracer_(tracer) {}
  ~event_out() { flush(); }
  event_out(const event_out&) = delete;
  event_out& operator=(const event_out&) = delete;

  void add(chat::agent_event e) { batch_.push_back(std::move(e)); }
  /// Hands the call's trace row on once the events added so far went out.
  void commit_after_flush(trace::tracer::finished_call call) { traces_.push_back(std::move(call)); }
  void flush() {
    if (!batch_.empty())
      sink_.publish(std::exchange(batch_, {}));
    for (auto& call : std::exchange(traces_, {}))
      tracer_.commit(std::move(call));
  }

private:
  chat::event_sink& sink_;
  trace::tracer& tracer_;
  chat::event_batch batch_;
  std::vector<trace::tracer::finished_call> traces_;
};

/// What one step did: done, the node is stopping (nothing more of the step
/// was journaled; the turn must stop at once), or a call waits for a user's
/// decision (its request is journaled; the turn stops until the answer).
enum class step_result { done, stopped, waiting };

/// Whether the node is stopping (the turn stops and resumes on the next start).
inline bool stopping(const cancel_token& cancel) {
  return cancel.reason() == cancel_reason::shutdown;
}

/// Everything the steps of one turn work with; hooks get it too.
struct turn_context {
  const agent::spec& spec;
  int turn;
  model::conversation& conv;
  turn_io& io;
  event_out& out;
  const cancel_token& cancel;
  trace::tracer& tracer;
  /// The journal of this turn from an earlier run cut short, or null:
  /// finished steps are taken from it instead of done again.
  const chat::turn_journal* resume;
  turn_summary& sum;
  approval_gate& gate;
  /// The index in `conv` of the turn's first message (its user messages).
  size_t first_message = 0;
  /// Measures the prompt cache of its model calls.
  cache_watch* cache = nullptr;
};

/// Something a kind of agent adds to the loop (the chat's auto-fix build is
/// one). Hooks run on the turn's thread and may block.
class turn_hook {
public:
  virtual ~turn_hook() = default;
  /// After the tool calls of reply `reply` ran (or came from the journal);
  /// `wrote`: one of them changed files. A hook may run steps of its own,
  /// journal them (step names must be its own and stable, so a resumed turn
  /// finds them) and add messages to the conversation for the next model call.
  virtual step_result after_calls(turn_context& t, int reply, bool wrote) = 0;
};

} // namespace boocode::agent
