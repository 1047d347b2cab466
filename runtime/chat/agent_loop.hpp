#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/cancel_token.hpp"
#include "runtime/chat/events.hpp"
#include "runtime/chat/journal.hpp"
#include "runtime/chat/records.hpp"
#include "runtime/model/conversation.hpp"
#include "runtime/model/provider.hpp"
#include "runtime/tools/tool_result.hpp"
#include "runtime/trace/tracer.hpp"

namespace boocode::chat {

struct turn_summary;

/// The side effects of a turn. The turn worker implements it with the model
/// provider, the tools and the database; tests implement it with fakes.
/// Every call blocks; they come from the turn's own thread. The turn's events
/// go to publish() (event_sink), in batches.
class turn_io : public event_sink {
public:
  virtual model::model_result call_model(const model::model_request& req,
                                         const model::stream_callbacks& cb) = 0;
  /// Runs tool `name` with its parsed arguments.
  virtual tools::tool_result run_tool(const std::string& name, const nlohmann::json& args) = 0;
  /// Runs the chat's build command (the auto-fix loop).
  virtual tools::tool_result run_build(const std::vector<std::string>& argv) = 0;
  /// Journals a finished step's message (the model's reply, a tool's
  /// result, an auto-fix request) as step `step` of the turn, and with
  /// `next` the intent of the tool call about to start, in one commit;
  /// returns the message with id and created_at filled in. It joins the
  /// history at the checkpoint.
  virtual message_record journal_message(const std::string& step, message_record m,
                                         const tool_intent* next = nullptr) = 0;
  /// Journals a step that is not a message: kind "intent" (a tool call about
  /// to start: {"name", "arguments"}) or "build" (a build's result).
  virtual void journal_step(const std::string& step, const std::string& kind,
                            const nlohmann::json& data) = 0;
  /// Returns once everything journaled so far is durable (journal writes
  /// may go on while the turn does): called before a tool that changes
  /// something starts, so its intent is stored first.
  virtual void make_durable() {}
  /// The model's name, for traces.
  virtual std::string model_name() const { return {}; }
  /// The turn is over (not interrupted): make it durable (the checkpoint),
  /// with `answer` (the model's last reply, not journaled; may be null)
  /// stored in the same commit, its id and created_at filled in. Called
  /// after every event but the answer's message_stored and turn_ended are
  /// published; they follow it, so a turn_end frame means the turn is
  /// stored. Throwing leaves the turn unended.
  virtual void end_turn(const turn_summary&, message_record* answer) = 0;
};

struct turn_settings {
  std::string system_prompt;
  std::optional<std::vector<std::string>> build_command;
  /// Failed builds fed back to the model per turn, at most.
  int max_fix_attempts = 3;
  /// Model calls per turn, at most (a model that never stops calling tools).
  int max_model_calls = 50;
  /// The user messages this turn took from the inbox (turn_start lists them).
  std::vector<int64_t> user_message_ids = {};
  /// The tools' schemas as the model is told them (a JSON array's text).
  std::string tools_json = {};
};

struct turn_summary {
  /// interrupted: the node is stopping and the turn stopped without
  /// journaling more (it resumes on the next start).
  protocol::turn_outcome outcome = protocol::turn_outcome::completed;
  std::string error;
  model::token_usage usage;
  int model_calls = 0;
  int fix_attempts = 0;
};

/// The system prompt of a chat on `workspace` (fixed per chat, so it stays
/// in the provider's prompt cache).
std::string default_system_prompt(const std::string& workspace);

/// Runs turn `turn`: calls the model with the conversation, runs the tool
/// calls it asks for, feeds a failing build back after file changes, and
/// repeats until the model answers without tools, the turn is cancelled or
/// fails. `conv` is what the model sees of the chat: the system prompt, then
/// the stored messages (including this turn's user messages); it grows by
/// what the turn stores. Publishes its events
/// (turn_started, deltas, message_stored, tool_started, tool_finished,
/// error_raised, turn_ended); every model call, tool call and build goes
/// through `tracer` (null: untraced), whose call events go out with them.
/// Events are published in batches, always before the turn blocks (on the
/// model, a tool, a build) and before a trace row is handed to the trace writer.
///
/// Each finished step is journaled through `io` as it completes, and a tool
/// call's intent before it starts. With `resume` (the journal of this turn
/// from an earlier run cut short), finished steps are taken from it instead
/// of being done again (no frames, no traces); a tool call with an intent
/// and no result was interrupted: a read-only tool runs again, any other is
/// reported to the model as interrupted and not run. When `cancel` says the
/// node is stopping, the turn stops at once and journals nothing more.
turn_summary run_turn(const turn_settings& settings, int turn, model::conversation& conv,
                      turn_io& io, const cancel_token& cancel, trace::tracer* tracer = nullptr,
                      const turn_journal* resume = nullptr);

/// What the model is told about a call that was interrupted and not re-run.
extern const char* const interrupted_call_text;

} // namespace boocode::chat
