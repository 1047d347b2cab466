#include "runtime/chat/agent_loop.hpp"

#include <chrono>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "runtime/tools/tool_registry.hpp"

namespace boocode::chat {

namespace {

/// The turn's outgoing frames, collected and sent to the session in one
/// message per flush: one actor message per step instead of one per frame.
class frame_out {
public:
  explicit frame_out(turn_io& io) : io_(io) {}
  ~frame_out() { flush(); }
  frame_out(const frame_out&) = delete;
  frame_out& operator=(const frame_out&) = delete;

  void add(std::string_view type, std::string payload) {
    flat_.emplace_back(type);
    flat_.push_back(std::move(payload));
  }
  void add(std::string_view type, const nlohmann::json& payload) {
    add(type, payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  void flush() {
    if (!flat_.empty())
      io_.send_frames(std::exchange(flat_, {}));
  }

private:
  turn_io& io_;
  std::vector<std::string> flat_;
};

bool writes_files(const std::string& tool) {
  return tool == "write_file" || tool == "edit_file";
}

std::vector<model::chat_message> conversation(const turn_settings& s,
                                              const std::vector<message_record>& history) {
  std::vector<model::chat_message> out;
  out.reserve(history.size() + 1);
  out.push_back({"system", s.system_prompt, "", {}, ""});
  for (auto& m : history)
    out.push_back(to_model_message(m));
  return out;
}

/// Runs one tool call (or records it as cancelled) and stores its result.
bool run_call(const model::tool_call& call, int turn, std::vector<message_record>& history,
              turn_io& io, frame_out& out, const cancel_token& cancel, trace::tracer& tracer) {
  out.add(
    "tool_call",
    {{"turn", turn}, {"call_id", call.id}, {"name", call.name}, {"arguments", call.arguments}});
  auto args = nlohmann::json::parse(call.arguments.empty() ? "{}" : call.arguments, nullptr, false);
  bool valid = !args.is_discarded();
  auto span =
    tracer.begin_tool(call.name, call.id,
                      !tracer.enabled() ? std::string{}
                      : valid ? (call.arguments.empty() ? std::string("{}") : call.arguments)
                              : nlohmann::json(call.arguments)
                                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  out.flush();
  auto started = std::chrono::steady_clock::now();
  tools::tool_result res;
  if (cancel.cancelled()) {
    res.outcome = tools::tool_outcome::cancelled;
    res.text = "cancelled before it ran";
  } else if (!valid) {
    res = tools::tool_error("the arguments are not valid JSON: " + call.arguments,
                            tools::is_read_only(call.name).value_or(true));
  } else {
    res = io.run_tool(call.name, args);
  }
  auto traced = tracer.end_tool(span, res);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
              .count();
  message_record m;
  m.role = "tool";
  m.content = res.text;
  m.tool_call_id = call.id;
  m.tool_name = call.name;
  m.outcome = std::string(tools::to_string(res.outcome));
  m.exit_code = res.exit_code;
  m.duration_ms = ms;
  m.turn = turn;
  m = io.store(std::move(m));
  out.add("tool_result",
          nlohmann::json{{"turn", turn},
                         {"call_id", call.id},
                         {"name", call.name},
                         {"outcome", m.outcome},
                         {"output", m.content},
                         {"exit_code", res.exit_code ? nlohmann::json(*res.exit_code) : nullptr},
                         {"duration_ms", ms}});
  out.add("message", nlohmann::json{{"message", to_json(m)}});
  out.flush();
  tracer.commit(std::move(traced));
  history.push_back(std::move(m));
  return res.ok() && writes_files(call.name);
}

/// Runs the build command after file changes; a failure becomes a user
/// message for the next model call. Returns whether it failed.
bool check_build(const turn_settings& s, int turn, int attempt,
                 std::vector<message_record>& history, turn_io& io, frame_out& out,
                 trace::tracer& tracer) {
  auto argv = *s.build_command;
  auto call_id = fmt::format("build_{}_{}", turn, attempt);
  auto command = fmt::format("{}", fmt::join(argv, " "));
  out.add("tool_call",
          nlohmann::json{
            {"turn", turn}, {"call_id", call_id}, {"name", "build"}, {"arguments", command}});
  auto span =
    tracer.begin_tool("build", call_id,
                      tracer.enabled() ? nlohmann::json{{"argv", argv}}.dump(
                                           -1, ' ', false, nlohmann::json::error_handler_t::replace)
                                       : std::string{});
  out.flush();
  auto started = std::chrono::steady_clock::now();
  auto res = io.run_build(argv);
  auto traced = tracer.end_tool(span, res);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
              .count();
  bool failed = !res.ok() || res.exit_code.value_or(0) != 0;
  out.add("tool_result",
          nlohmann::json{{"turn", turn},
                         {"call_id", call_id},
                         {"name", "build"},
                         {"outcome", std::string(tools::to_string(res.outcome))},
                         {"output", res.text},
                         {"exit_code", res.exit_code ? nlohmann::json(*res.exit_code) : nullptr},
                         {"duration_ms", ms}});
  out.flush();
  tracer.commit(std::move(traced));
  if (!failed)
    return false;
  message_record m;
  m.role = "user";
  m.turn = turn;
  m.content =
    fmt::format("[auto-fix] The build command `{}` failed{}. Fix the errors:\n\n{}", command,
                res.exit_code ? fmt::format(" with exit code {}", *res.exit_code) : "", res.text);
  m = io.store(std::move(m));
  out.add("message", nlohmann::json{{"message", to_json(m)}});
  out.flush();
  history.push_back(std::move(m));
  return true;
}

} // namespace

std::string default_system_prompt(const std::string& workspace) {
  return fmt::format(
    "You are BooCode, a coding agent. You work in the workspace {} through tools: read, "
    "write and edit files, list directories, search, and run commands (argv, no shell). Paths "
    "are relative to the workspace. Make changes with the tools rather than describing them, "
    "check your work by running it, and answer briefly when you are done.",
    workspace);
}

turn_summary run_turn(const turn_settings& settings, int turn, std::vector<message_record>& history,
                      turn_io& io, const cancel_token& cancel, trace::tracer* tracer_ptr) {
  trace::tracer untraced;
  auto& tracer = tracer_ptr != nullptr ? *tracer_ptr : untraced;
  frame_out out{io};
  tracer.set_turn(turn);
  tracer.set_cancel(&cancel);
  tracer.set_emit(
    [&out](const char* type, std::string payload) { out.add(type, std::move(payload)); });
  turn_summary sum;
  out.add("turn_start", nlohmann::json{{"turn", turn}});
  while (sum.outcome.empty()) {
    if (cancel.cancelled()) {
      sum.outcome = "cancelled";
      break;
    }
    if (sum.model_calls >= settings.max_model_calls) {
      sum.outcome = "error";
      sum.error = fmt::format("the model made {} calls in one turn; stopping", sum.model_calls);
      out.add("error", nlohmann::json{{"code", "too_many_steps"}, {"message", sum.error}});
      break;
    }
    ++sum.model_calls;
    std::optional<std::chrono::steady_clock::time_point> first_token;
    auto mark = [&] {
      if (!first_token)
        first_token = std::chrono::steady_clock::now();
    };
    model::stream_callbacks cb;
    cb.on_text = [&](std::string_view t) {
      mark();
      out.add("assistant_delta", nlohmann::json{{"turn", turn}, {"text", t}});
      out.flush();
    };
    cb.on_reasoning = [&](std::string_view t) {
      mark();
      out.add("reasoning_delta", nlohmann::json{{"turn", turn}, {"text", t}});
      out.flush();
    };
    cb.on_tool_call = [&](std::string_view) { mark(); };
    auto conv = conversation(settings, history);
    auto span = tracer.begin_model(io.model_name(), conv.size(), tools::tool_names().size());
    out.flush();
    auto result = io.call_model(conv, cb);
    auto traced = tracer.end_model(span, result, first_token);
    if (auto* err = std::get_if<model::model_error>(&result)) {
      if (err->what == model::model_error::kind::cancelled || cancel.cancelled()) {
        sum.outcome = "cancelled";
      } else {
        sum.outcome = "error";
        sum.error = err->message;
        out.add("error", nlohmann::json{{"code", "model_error"}, {"message", err->message}});
      }
      out.flush();
      tracer.commit(std::move(traced));
      break;
    }
    auto& reply = std::get<model::model_reply>(result);
    sum.usage += reply.usage;
    message_record m;
    m.role = "assistant";
    m.content = reply.message.content;
    m.reasoning = reply.message.reasoning;
    m.tool_calls = reply.message.tool_calls;
    m.turn = turn;
    m.usage = reply.usage;
    m = io.store(std::move(m));
    out.add("message", nlohmann::json{{"message", to_json(m)}});
    out.flush();
    tracer.commit(std::move(traced));
    auto calls = m.tool_calls;
    history.push_back(std::move(m));
    if (calls.empty()) {
      sum.outcome = "completed";
      break;
    }
    bool wrote = false;
    for (auto& call : calls) // every call gets a result, even after a cancel
      wrote = run_call(call, turn, history, io, out, cancel, tracer) || wrote;
    if (cancel.cancelled()) {
      sum.outcome = "cancelled";
      break;
    }
    if (wrote && settings.build_command && sum.fix_attempts < settings.max_fix_attempts)
      if (check_build(settings, turn, sum.fix_attempts + 1, history, io, out, tracer))
        ++sum.fix_attempts;
  }
  nlohmann::json end{{"turn", turn}, {"outcome", sum.outcome}, {"usage", to_json(sum.usage)}};
  if (!sum.error.empty())
    end["error"] = sum.error;
  out.add("turn_end", end);
  out.flush();
  tracer.set_emit({});
  return sum;
}

} // namespace boocode::chat
