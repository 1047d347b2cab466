#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace boocode::sandbox {

// One workflow run in the sandbox, seen from outside: what it asks of its
// host, and the handle that answers it. No V8 type appears here.

struct run_limits {
  std::size_t heap_bytes = std::size_t{64} << 20;
  /// CPU time one synchronous slice may use (running the script's top, or
  /// what follows one answer); time spent awaiting agents does not count.
  std::chrono::milliseconds slice_cpu{5000};
};

/// What the script asks for with a promise: `agent(prompt, opts)` or
/// `workflow(name, args)`.
enum class call_kind { agent, workflow };

struct host_call {
  std::uint64_t id = 0; // answer with run::settle(id, …)
  call_kind kind = call_kind::agent;
  /// Its structural path in the script, e.g. "parallel-0/item-2/agent-0".
  std::string path;
  /// agent: {prompt, label?, phase?, model?, tools?, worktree?, maxTurns?,
  /// cache?, schema?}; workflow: {name, args}.
  nlohmann::json spec;
};

/// A line for the run's log or a new phase; `path` makes it unique in the
/// run, so a replay can skip what it already wrote.
struct run_event {
  enum class kind { log, phase } what = kind::log;
  std::string path;
  std::string text;
  std::string phase; // the phase the script was in
};

enum class end_state { completed, failed, cancelled };

struct run_end {
  end_state state = end_state::failed;
  nlohmann::json result; // the script's return value (completed)
  std::string error;     // why it failed: "time limit: …", "SyntaxError: … (line 3, column 7)"
};

/// Implemented by whoever runs workflows (the run actor). Called on a sandbox
/// thread: each call must return at once (post a message, no waiting).
class run_host {
public:
  virtual ~run_host() = default;
  /// The script awaits this call; answer with run::settle.
  virtual void call(host_call c) = 0;
  /// A new value for Date.now() or Math.random() to journal under `path`
  /// ("now-0", "parallel-0/item-1/random-0"); replays get it back in
  /// run_request::recorded.
  virtual void recorded(const std::string& path, const nlohmann::json& value) = 0;
  virtual void event(run_event e) = 0;
  /// The run ended; called once, last.
  virtual void ended(run_end e) = 0;
};

struct run_request {
  std::string name; // the script's name, for error messages and stack traces
  std::string body; // checked_script::body
  nlohmann::json args = nullptr;
  run_limits limits;
  /// Token budget (input + output of every step); absent: unlimited.
  std::optional<std::int64_t> budget;
  /// Values this run recorded before (a replay): path -> value.
  std::map<std::string, nlohmann::json> recorded;
};

/// The handle of a running script. Thread-safe; its calls never block.
class run {
public:
  virtual ~run() = default;
  /// Answers call `id`: `value` (JSON; null for a step that was stopped or
  /// failed for good). With `error` set, the script's promise rejects with
  /// an Error of that name ("BudgetExceeded", "SchemaMismatch") and message.
  virtual void settle(std::uint64_t id, nlohmann::json value) = 0;
  virtual void reject(std::uint64_t id, std::string error_name, std::string message) = 0;
  /// Tokens spent so far by every step below the run (budget.spent()).
  virtual void set_spent(std::int64_t tokens) = 0;
  /// Stops the script; it ends `cancelled`.
  virtual void cancel() = 0;
};

} // namespace boocode::sandbox
