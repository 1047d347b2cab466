#include "runtime/logging.hpp"

#include <chrono>
#include <map>
#include <mutex>

#include <fmt/chrono.h>
#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace boocode {

namespace {

thread_local log_context context;

const char* level_name(spdlog::level::level_enum lvl) {
  switch (lvl) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

/// Renders each record as one JSON object per line: ts, level, logger, msg.
/// The message is escaped, so callers log plain text in either format.
class json_formatter final : public spdlog::formatter {
public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch());
    auto secs = std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds>(
      std::chrono::duration_cast<std::chrono::seconds>(ms));
    nlohmann::json j{
      {"ts", fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", secs, ms.count() % 1000)},
      {"level", level_name(msg.level)},
      {"logger", std::string(msg.logger_name.data(), msg.logger_name.size())},
      {"msg", std::string(msg.payload.data(), msg.payload.size())},
      {"thread", msg.thread_id},
    };
    // The formatter runs on the thread that logs (the loggers are synchronous).
    const auto& c = current_log_context();
    if (!c.chat_id.empty())
      j["chat_id"] = c.chat_id;
    if (c.turn > 0)
      j["turn"] = c.turn;
    if (!c.actor_id.empty())
      j["actor_id"] = c.actor_id;
    auto line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<json_formatter>();
  }
};

} // namespace

log_scope::log_scope(log_context c) : before_(context) {
  context = c;
}
log_scope::~log_scope() {
  context = before_;
}
const log_context& current_log_context() {
  return context;
}

bool parse_log_format(std::string_view s, log_format& out) {
  if (s == "text")
    out = log_format::text;
  else if (s == "json")
    out = log_format::json;
  else
    return false;
  return true;
}

bool parse_log_level(std::string_view s, spdlog::level::level_enum& out) {
  static constexpr std::pair<std::string_view, spdlog::level::level_enum> levels[] = {
    {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug}, {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},   {"error", spdlog::level::err},   {"off", spdlog::level::off},
  };
  for (auto& [name, lvl] : levels)
    if (s == name) {
      out = lvl;
      return true;
    }
  return false;
}

struct log_set::impl {
  std::mutex mtx;
  spdlog::sink_ptr sink;
  spdlog::level::level_enum level;
  std::map<std::string, std::shared_ptr<spdlog::logger>> loggers;
};

log_set::log_set(spdlog::level::level_enum level, log_format format)
  : impl_(std::make_shared<impl>()) {
  impl_->sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  if (format == log_format::json)
    impl_->sink->set_formatter(std::make_unique<json_formatter>());
  else
    impl_->sink->set_formatter(
      std::make_unique<spdlog::pattern_formatter>("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v"));
  impl_->level = level;
}

std::shared_ptr<spdlog::logger> log_set::get(const std::string& module) {
  std::lock_guard guard{impl_->mtx};
  auto& slot = impl_->loggers[module];
  if (!slot) {
    slot = std::make_shared<spdlog::logger>(module, impl_->sink);
    slot->set_level(impl_->level);
    slot->flush_on(spdlog::level::warn);
  }
  return slot;
}

} // namespace boocode
