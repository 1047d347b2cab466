#include "runtime/agent/task_text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "runtime/tools/text.hpp"

namespace boocode::agent {

namespace {

std::string clipped(const std::string& text, std::size_t most) {
  auto cut = tools::clip_utf8(text, most);
  return cut.size() < text.size() ? std::string(cut) + " […]" : text;
}

} // namespace

std::string notification_text(const task_record& t, protocol::task_state state,
                              const std::string& result, const std::string& error) {
  const auto& s = t.spawn;
  auto head = fmt::format("[Background task {} (\"{}\") {}.]", s.id, s.description,
                          protocol::to_string(state));
  if (state == protocol::task_state::failed)
    return fmt::format("{} Error: {}", head, clipped(error, notification_summary_bytes));
  if (state == protocol::task_state::cancelled)
    return fmt::format("{} It was stopped before it finished.", head);
  return fmt::format("{} Summary: {}\nRead the whole result with subagent_result "
                     "{{\"task_id\": \"{}\"}}.",
                     head, clipped(result, notification_summary_bytes), s.id);
}

nlohmann::json task_status(const task_record& t) {
  nlohmann::json j = {{"task_id", t.spawn.id},
                      {"description", t.spawn.description},
                      {"state", protocol::to_string(t.state)},
                      {"created_at", t.created_at},
                      {"tokens",
                       {{"input", t.usage.input},
                        {"cached", t.usage.cached},
                        {"output", t.usage.output},
                        {"reasoning", t.usage.reasoning}}},
                      {"cost_usd", t.cost_usd}};
  if (!t.started_at.empty())
    j["started_at"] = t.started_at;
  if (!t.ended_at.empty())
    j["ended_at"] = t.ended_at;
  if (!t.result.empty())
    j["result_preview"] = clipped(t.result, notification_summary_bytes);
  if (!t.error.empty())
    j["error"] = t.error;
  if (!t.branch.empty())
    j["branch"] = t.branch;
  return j;
}

std::string result_text(const task_record& t) {
  if (!is_final(t.state))
    return fmt::format("Task {} is still {}; ask again later, or wait with wait_s.", t.spawn.id,
                       protocol::to_string(t.state));
  if (t.state == protocol::task_state::failed)
    return fmt::format("Task {} failed: {}", t.spawn.id, t.error);
  if (t.state == protocol::task_state::cancelled)
    return fmt::format("Task {} was cancelled.{}", t.spawn.id,
                       t.result.empty() ? "" : " What it had said: " + t.result);
  return t.result;
}

} // namespace boocode::agent
