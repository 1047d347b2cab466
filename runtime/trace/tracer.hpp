#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "runtime/cancel_token.hpp"
#include "runtime/model/cache_break.hpp"
#include "runtime/model/provider.hpp"
#include "runtime/tools/tool_result.hpp"
#include "runtime/trace/trace.hpp"

namespace boocode::trace {

/// Times the tool and model calls of one actor, emits them for their live frames and
/// hands them to the trace sink, which writes them later off the agent's
/// path. A call's finished row goes to the sink only on commit(), which the
/// caller makes after sending the finish frame, so no row is written before
/// its frame is out. A tracer without a sink traces nothing. Used from one
/// thread at a time.
class tracer {
public:
  /// Take what the live frames show of a call that starts or ends.
  using started_fn = std::function<void(call_started)>;
  using finished_fn = std::function<void(call_finished)>;

  tracer() = default;
  tracer(trace_sink* sink, id_source* ids, std::string chat_id, actor_ref actor);

  /// Where the calls go as they start and end (nowhere until set).
  void set_emit(started_fn started, finished_fn finished) {
    started_ = std::move(started);
    finished_ = std::move(finished);
  }

  bool enabled() const { return sink_ != nullptr; }

  /// The turn the following calls belong to.
  void set_turn(int turn) { turn_ = turn; }

  /// The OpenTelemetry trace their spans go in (null: none).
  void set_otel(std::shared_ptr<const turn_trace> t) { otel_ = std::move(t); }

  /// The token that stops the calls: a call cut short because the node is
  /// stopping is traced as interrupted rather than cancelled.
  void set_cancel(const cancel_token* cancel) { cancel_ = cancel; }

  /// A call in progress (empty when tracing is off).
  struct span {
    std::shared_ptr<const trace_start> start;
    std::chrono::steady_clock::time_point t0;
  };

  /// A finished call whose row is not yet with the sink (empty when off).
  struct finished_call {
    std::optional<trace_record> record;
  };

  /// `input_json`: the arguments as JSON text.
  span begin_tool(const std::string& tool, const std::string& call_id, std::string input_json);
  [[nodiscard]] finished_call end_tool(const span& s, const tools::tool_result& result);

  /// `images` sent with it and their data URLs' `image_bytes` (0: none).
  span begin_model(const std::string& model, size_t messages, size_t tools, size_t images = 0,
                   size_t image_bytes = 0);
  /// `first_token` is when the first text, reasoning or tool call streamed
  /// in; `cache` (may be null) its prompt cache.
  [[nodiscard]] finished_call
  end_model(const span& s, const model::model_result& result,
            std::optional<std::chrono::steady_clock::time_point> first_token,
            const model::cache_report* cache = nullptr);
  /// The id of the call `s` (empty when tracing is off).
  static std::string_view id_of(const span& s) {
    return s.start ? std::string_view{s.start->id} : std::string_view{};
  }

  /// Hands the finished call's row to the sink (once its frame is sent).
  void commit(finished_call&& call);

  /// The time its calls spent in models and tools so far, journal waits
  /// left out: what a turn's wall time less this leaves is BooCode's own.
  std::chrono::steady_clock::duration busy() const { return busy_; }

private:
  span begin(call_kind kind, const std::string& tool, const std::string& call_id,
             std::string input_json, const std::string& model);
  finished_call end(const span& s, trace_end e, std::chrono::steady_clock::time_point t1);

  trace_sink* sink_ = nullptr;
  id_source* ids_ = nullptr;
  std::string chat_id_;
  actor_ref actor_;
  started_fn started_;
  finished_fn finished_;
  int turn_ = 0;
  const cancel_token* cancel_ = nullptr;
  std::chrono::steady_clock::duration busy_{};
  std::shared_ptr<const turn_trace> otel_;
};

/// How a tool result is traced: its outcome (a path outside the workspace is
/// `denied`), error, output and the tokens it adds to the conversation.
trace_end tool_trace_end(const tools::tool_result& result);

/// How a model call is traced: outcome, error, usage and a readable output
/// (reasoning, answer and the tool calls it asked for).
trace_end model_trace_end(const model::model_result& result);

} // namespace boocode::trace
