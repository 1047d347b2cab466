#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "runtime/model/usage.hpp"

namespace boocode::trace {

/// How a traced call ended (docs/api.md, "A trace").
enum class outcome { ok, error, timeout, cancelled, interrupted, denied };

std::string_view to_string(outcome x);

/// The outcome named `name`, or nothing.
std::optional<outcome> parse_outcome(std::string_view name);

enum class call_kind { tool, model };

std::string_view to_string(call_kind x);

/// Who runs the calls of a tracer: a chat's session today; workflow steps and
/// subagents hang their calls under the trace that started them.
struct actor_ref {
  std::string kind = "session";
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
};

/// One finished call: a row of tool_traces.
struct trace_record {
  std::shared_ptr<const trace_start> start;
  trace_end end;
};

/// The output kept per trace (database and API), and the part sent live.
inline constexpr size_t max_output_bytes = 16 * size_t{1024};
inline constexpr size_t preview_bytes = 2 * size_t{1024};
/// Error messages are cut to this.
inline constexpr size_t max_error_bytes = 4 * size_t{1024};

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

/// The trace as the API and the database see it (docs/api.md).
nlohmann::json to_json(const trace_record& r);

/// The live frames' payloads as JSON text (docs/protocol.md): tool_trace_start
/// or model_trace_start, and tool_trace_finish or model_trace_finish. Written
/// directly, not through a JSON tree: they are on the agent's path.
std::string start_frame(const trace_start& s);
std::string finish_frame(const trace_record& r);

/// Receives the calls of tracers. Implemented by the trace queue (drained
/// into PostgreSQL by the trace writer actor); calls never block for long.
class trace_sink {
public:
  virtual ~trace_sink() = default;
  virtual void started(std::shared_ptr<const trace_start> s) = 0;
  virtual void finished(trace_record r) = 0;
};

} // namespace boocode::trace
