#include "runtime/agent/auto_fix.hpp"

#include <chrono>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace boocode::agent {

namespace {

/// The auto-fix request for a failed build, journaled as a message of `step`.
chat::message_record fix_request(const std::string& step, int turn, const std::string& command,
                                 const nlohmann::json& build, turn_io& io) {
  chat::message_record m;
  m.role = protocol::message_role::user;
  m.turn = turn;
  auto code = build.value("exit_code", nlohmann::json());
  m.content =
    fmt::format("[auto-fix] The build command `{}` failed{}. Fix the errors:\n\n{}", command,
                code.is_number() ? fmt::format(" with exit code {}", code.get<int>()) : "",
                build.value("output", std::string()));
  return io.journal_message(step, std::move(m));
}

} // namespace

auto_fix::auto_fix(std::vector<std::string> argv, int max_attempts, runner run)
  : argv_(std::move(argv)), command_(fmt::format("{}", fmt::join(argv_, " "))),
    max_attempts_(max_attempts), run_(std::move(run)) {}

std::optional<nlohmann::json> auto_fix::build(turn_context& t, const std::string& step,
                                              int attempt) {
  if (const auto* done = t.resume != nullptr ? t.resume->find(step, "build") : nullptr)
    return done->data;
  auto call_id = fmt::format("build_{}_{}", t.turn, attempt);
  t.out.add(chat::tool_started{t.turn, call_id, "build", command_});
  auto span = t.tracer.begin_tool("build", call_id,
                                  t.tracer.enabled()
                                    ? nlohmann::json{{"argv", argv_}}.dump(
                                        -1, ' ', false, nlohmann::json::error_handler_t::replace)
                                    : std::string{});
  t.out.flush();
  auto started = std::chrono::steady_clock::now();
  auto res = run_(argv_);
  auto traced = t.tracer.end_tool(span, res);
  if (stopping(t.cancel)) {
    t.out.flush();
    t.tracer.commit(std::move(traced));
    return std::nullopt;
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
              .count();
  nlohmann::json build = {{"outcome", protocol::to_string(res.outcome)},
                          {"output", res.text},
                          {"exit_code", res.exit_code ? nlohmann::json(*res.exit_code) : nullptr},
                          {"duration_ms", ms},
                          {"failed", !res.ok() || res.exit_code.value_or(0) != 0}};
  t.io.journal_step(step, "build", build);
  t.out.add(
    chat::tool_finished{t.turn, call_id, "build", res.outcome, res.text, res.exit_code, ms});
  t.out.flush();
  t.tracer.commit(std::move(traced));
  return build;
}

step_result auto_fix::after_calls(turn_context& t, int reply, bool wrote) {
  if (!wrote || t.sum.fix_attempts >= max_attempts_)
    return step_result::done;
  auto step = chat::build_step(reply);
  auto result = build(t, step, t.sum.fix_attempts + 1);
  if (!result)
    return step_result::stopped;
  if (!result->value("failed", false))
    return step_result::done;
  ++t.sum.fix_attempts;
  const auto* asked = t.resume != nullptr ? t.resume->find(step, "message") : nullptr;
  if (asked != nullptr && asked->message) {
    t.conv.append(chat::to_model_message(*asked->message));
    return step_result::done;
  }
  auto m = fix_request(step, t.turn, command_, *result, t.io);
  t.out.add(chat::message_stored{m});
  t.out.flush();
  t.conv.append(chat::to_model_message(m));
  return step_result::done;
}

} // namespace boocode::agent
