#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

namespace boocode {

enum class log_format { text, json };

/// Parses "text" or "json"; returns false for anything else.
bool parse_log_format(std::string_view s, log_format& out);

/// Parses trace|debug|info|warn|error|off; returns false for anything else.
bool parse_log_level(std::string_view s, spdlog::level::level_enum& out);

/// What the log lines a thread writes now are about. In JSON mode each line
/// carries the set fields as chat_id, turn and actor_id.
struct log_context {
  std::string_view chat_id; // the chat (a subagent's or step's: its parent chat)
  int turn = 0;             // 0: none
  std::string_view actor_id;
};

/// Sets this thread's log context for its life (the turn worker, for a
/// turn), restoring the one before. The strings must outlive it.
class log_scope {
public:
  explicit log_scope(log_context c);
  ~log_scope();
  log_scope(const log_scope&) = delete;
  log_scope& operator=(const log_scope&) = delete;

private:
  log_context before_;
};

/// This thread's log context now.
const log_context& current_log_context();

/// One named logger per module, all writing to stderr in one format.
/// Built once by the composition root and handed to each module; nothing is
/// registered in spdlog's global registry.
class log_set {
public:
  log_set(spdlog::level::level_enum level, log_format format);

  /// The logger for `module` ("node", "http", "storage", "postgres", "actors", ...),
  /// created on first use. Thread-safe.
  std::shared_ptr<spdlog::logger> get(const std::string& module);

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace boocode
