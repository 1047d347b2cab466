#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/model/usage.hpp"
#include "runtime/protocol/states.hpp"

namespace boocode::trace {

struct turn_trace; // span_ids.hpp

/// How a traced call ended (docs/api.md, "A trace"): as a tool call does.
using outcome = protocol::tool_outcome;

/// A tool call (or the auto-fix build) or a model call.
using call_kind = protocol::trace_kind;

/// Who runs the calls of a tracer: a chat's session today; workflow steps and
/// subagents hang their calls under the trace that started them.
struct actor_ref {
  protocol::actor_kind kind = protocol::actor_kind::session;
  std::string id;
  std::string parent_id; // empty: none
};

/// What is known when a call starts. Never changed once shared: the trace
/// writer keeps it to record the call as interrupted if the node stops first.
struct trace_start {
  std::string id;
  std::string chat_id;
  int turn = 0;
  call_kind kind = call_kind::tool;
  std::string tool; // the tool's name, "build", or "model"
  std::string call_id;
  actor_ref actor;
  /// The call's input as JSON text (the tool's arguments as the model sent
  /// them): kept as text so the agent's path neither copies nor re-serialises it.
  std::string input;
  std::string model;      // model calls: the model's name
  int64_t started_us = 0; // microseconds since the Unix epoch
  /// The OpenTelemetry trace of its turn (null: spans are not exported).
  std::shared_ptr<const turn_trace> otel;
};

/// A model call's prompt cache, rendered once when the call ends.
struct prompt_cache_trace {
  std::string json;           // the `prompt_cache` member (protocol/prompt_cache)
  std::string message_hashes; // stored only (8 hex digits per message)
};

/// What is known when it ends.
struct trace_end {
  int64_t finished_us = 0;
  double latency_ms = 0;
  std::optional<double> ttft_ms;
  trace::outcome outcome = outcome::ok;
  std::string error;  // empty: none
  std::string output; // at most max_output_bytes
  std::optional<int> exit_code;
  uint64_t tokens_used = 0;
  uint64_t cache_tokens = 0;
  uint64_t reasoning_tokens = 0;
  std::optional<model::token_usage> usage; // model calls
  std::string finish_reason;
  int attempts = 0;
  std::shared_ptr<const prompt_cache_trace> prompt_cache; // model calls that got a reply
};

/// One finished call: a row of tool_traces.
struct trace_record {
  std::shared_ptr<const trace_start> start;
  trace_end end;
};

/// A traced call started: what its live frame shows.
struct call_started {
  std::shared_ptr<const trace_start> start;
};

/// A traced call ended: what its live frame shows (`end.output` is cut to
/// preview_bytes; the stored trace keeps up to max_output_bytes).
struct call_finished {
  std::shared_ptr<const trace_start> start;
  trace_end end;
};

/// The output kept per trace (database and API), and the part sent live.
inline constexpr size_t max_output_bytes = 16 * size_t{1024};
inline constexpr size_t preview_bytes = 2 * size_t{1024};
/// Error messages are cut to this.
inline constexpr size_t max_error_bytes = 4 * size_t{1024};

/// The pseudo-tool whose calls are a turn's waits for its journal's commits:
/// BooCode's own time, traced beside the model and tool calls.
inline constexpr std::string_view journal_tool = "journal";

/// The error of a call cut short by the node stopping.
inline constexpr const char* interrupted_error = "the node stopped while the call ran";

/// `text` cut to at most `max_bytes` (on a UTF-8 boundary), with a marker
/// saying how much was left out.
std::string clip_output(std::string_view text, size_t max_bytes);

/// ISO 8601 UTC with microseconds: 2026-11-24T08:00:00.123456Z.
std::string iso_time(int64_t unix_us);

/// Microseconds since the Unix epoch, now.
int64_t now_us();

/// Makes trace ids: 8 random base-36 characters per process, '.', and a
/// base-36 counter, so an id is unique across nodes and restarts, costs no
/// system call, and fits a short string (no allocation). Thread-safe.
class id_source {
public:
  id_source();
  std::string next();

private:
  std::string prefix_;
  std::atomic<uint64_t> counter_{0};
};

/// Receives the calls of tracers. Implemented by the trace queue (drained
/// into PostgreSQL by the trace writer actor); calls never block for long.
class trace_sink {
public:
  virtual ~trace_sink() = default;
  virtual void started(std::shared_ptr<const trace_start> s) = 0;
  virtual void finished(trace_record r) = 0;
};

} // namespace boocode::trace
