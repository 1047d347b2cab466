#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/cancel_token.hpp"
#include "runtime/chat/records.hpp"
#include "runtime/model/provider.hpp"
#include "runtime/tools/tool_result.hpp"
#include "runtime/trace/tracer.hpp"

namespace boocode::chat {

/// The side effects of a turn. The turn worker implements it with the model
/// provider, the tools and the database; tests implement it with fakes.
/// Every call blocks; they come from the turn's own thread.
class turn_io {
public:
  virtual ~turn_io() = default;
  virtual model::model_result call_model(const std::vector<model::chat_message>& conversation,
                                         const model::stream_callbacks& cb) = 0;
  /// Runs tool `name` with its parsed arguments.
  virtual tools::tool_result run_tool(const std::string& name, const nlohmann::json& args) = 0;
  /// Runs the chat's build command (the auto-fix loop).
  virtual tools::tool_result run_build(const std::vector<std::string>& argv) = 0;
  /// Persists a message; returns it with id and created_at filled in.
  virtual message_record store(message_record m) = 0;
  /// Sends chat frames to the session in one message (it adds chat_id and
  /// seq): `flat` is type, payload, type, payload, ... where each payload is
  /// a JSON object's text.
  virtual void send_frames(std::vector<std::string> flat) = 0;
  /// The model's name, for traces.
  virtual std::string model_name() const { return {}; }
};

struct turn_settings {
  std::string system_prompt;
  std::optional<std::vector<std::string>> build_command;
  /// Failed builds fed back to the model per turn, at most.
  int max_fix_attempts = 3;
  /// Model calls per turn, at most (a model that never stops calling tools).
  int max_model_calls = 50;
};

struct turn_summary {
  std::string outcome; // completed, cancelled, error
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
/// fails. `history` holds the chat's stored messages (including this turn's
/// user messages) and grows by what the turn stores. Emits turn_start,
/// deltas, message, tool_call, tool_result, error and turn_end frames; every
/// model call, tool call and build goes through `tracer` (null: untraced).
/// Frames are sent in batches, always before the turn blocks (on the model,
/// a tool, a build) and before a trace row is handed to the trace writer.
turn_summary run_turn(const turn_settings& settings, int turn, std::vector<message_record>& history,
                      turn_io& io, const cancel_token& cancel, trace::tracer* tracer = nullptr);

} // namespace boocode::chat
