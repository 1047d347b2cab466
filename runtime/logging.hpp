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
