#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/cancel_token.hpp"
#include "runtime/model/provider.hpp"
#include "runtime/tools/tool_result.hpp"
#include "runtime/trace/trace.hpp"

namespace boocode::trace {

/// Times the tool and model calls of one actor, sends their live frames
/// (before anything is written) and hands them to the trace sink, which
/// writes them later off the agent's path. A tracer without a sink traces
/// nothing. Used from one thread at a time.
class tracer {
public:
  using emit_fn = std::function<void(const std::string& type, nlohmann::json payload)>;

  tracer() = default;
  tracer(trace_sink* sink, id_source* ids, std::string chat_id, actor_ref actor, emit_fn emit);

  bool enabled() const { return sink_ != nullptr; }

  /// The turn the following calls belong to.
  void set_turn(int turn) { turn_ = turn; }

  /// The token that stops the calls: a call cut short because the node is
  /// stopping is traced as interrupted rather than cancelled.
  void set_cancel(const cancel_token* cancel) { cancel_ = cancel; }

  /// A call in progress (empty when tracing is off).
  struct span {
    std::shared_ptr<const trace_start> start;
    std::chrono::steady_clock::time_point t0;
  };

  span begin_tool(const std::string& tool, const std::string& call_id, nlohmann::json input);
  void end_tool(const span& s, const tools::tool_result& result);

  span begin_model(const std::string& model, size_t messages, size_t tools);
  /// `first_token` is when the first text, reasoning or tool call streamed in.
  void end_model(const span& s, const model::model_result& result,
                 std::optional<std::chrono::steady_clock::time_point> first_token);

private:
  span begin(call_kind kind, const std::string& tool, const std::string& call_id,
             nlohmann::json input, const std::string& model);
  void end(const span& s, trace_end e, std::chrono::steady_clock::time_point t1);

  trace_sink* sink_ = nullptr;
  id_source* ids_ = nullptr;
  std::string chat_id_;
  actor_ref actor_;
  emit_fn emit_;
  int turn_ = 0;
  const cancel_token* cancel_ = nullptr;
};

/// How a tool result is traced: its outcome (a path outside the workspace is
/// `denied`), error, output and the tokens it adds to the conversation.
trace_end tool_trace_end(const tools::tool_result& result);

/// How a model call is traced: outcome, error, usage and a readable output
/// (reasoning, answer and the tool calls it asked for).
trace_end model_trace_end(const model::model_result& result);

} // namespace boocode::trace
