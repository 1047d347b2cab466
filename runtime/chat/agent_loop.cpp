#include "runtime/chat/agent_loop.hpp"

#include <chrono>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "runtime/tools/tool_registry.hpp"

namespace boocode::chat {

namespace {

/// The turn's events, collected and published in one batch per flush: one
/// actor message per step instead of one per event.
class event_out {
public:
  explicit event_out(event_sink& sink) : sink_(sink) {}
  ~event_out() { flush(); }
  event_out(const event_out&) = delete;
  event_out& operator=(const event_out&) = delete;

  void add(agent_event e) { batch_.push_back(std::move(e)); }
  void flush() {
    if (!batch_.empty())
      sink_.publish(std::exchange(batch_, {}));
  }

private:
  event_sink& sink_;
  event_batch batch_;
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

bool stopping(const cancel_token& cancel) {
  return cancel.reason() == cancel_reason::shutdown;
}

/// What one step of the loop did: done, or the node is stopping (nothing of
/// the step was journaled; the turn must stop at once).
enum class step_result { done, stopped };

tools::tool_result interrupted_result(const std::string& tool) {
  tools::tool_result r;
  r.outcome = tools::tool_outcome::interrupted;
  r.text = interrupted_call_text;
  r.read_only = tools::is_read_only(tool).value_or(false);
  return r;
}

std::string trace_input(const trace::tracer& tracer, const model::tool_call& call, bool valid) {
  if (!tracer.enabled())
    return {};
  if (valid)
    return call.arguments.empty() ? std::string("{}") : call.arguments;
  return nlohmann::json(call.arguments)
    .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// Runs tool call `call` (step `step`), or takes its result from the journal
/// of an earlier run, and adds the result to the history. Sets `wrote` when
/// it changed files.
step_result run_call(const model::tool_call& call, const std::string& step, int turn,
                     std::vector<message_record>& history, turn_io& io, event_out& out,
                     const cancel_token& cancel, trace::tracer& tracer, const turn_journal* resume,
                     bool& wrote) {
  if (resume != nullptr)
    if (auto* done = resume->find(step, "message"); done != nullptr && done->message) {
      wrote =
        wrote || (done->message->outcome == tools::tool_outcome::ok && writes_files(call.name));
      history.push_back(*done->message);
      return step_result::done;
    }
  bool interrupted = resume != nullptr && resume->find(step, "intent") != nullptr;
  out.add(tool_started{turn, call.id, call.name, call.arguments});
  auto args = nlohmann::json::parse(call.arguments.empty() ? "{}" : call.arguments, nullptr, false);
  bool valid = !args.is_discarded();
  bool read_only = tools::is_read_only(call.name).value_or(true);
  auto span = tracer.begin_tool(call.name, call.id, trace_input(tracer, call, valid));
  out.flush();
  auto started = std::chrono::steady_clock::now();
  tools::tool_result res;
  if (cancel.cancelled()) {
    res.outcome = tools::tool_outcome::cancelled;
    res.text = "cancelled before it ran";
  } else if (!valid) {
    res = tools::tool_error("the arguments are not valid JSON: " + call.arguments, read_only);
  } else if (interrupted && !read_only) {
    res = interrupted_result(call.name); // it may have taken effect: the model decides
  } else {
    if (!interrupted)
      io.journal_step(step, "intent", {{"name", call.name}, {"arguments", call.arguments}});
    res = io.run_tool(call.name, args);
  }
  auto traced = tracer.end_tool(span, res);
  if (stopping(cancel)) {
    out.flush();
    tracer.commit(std::move(traced));
    return step_result::stopped; // no result journaled: the resumed turn sees the intent
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
              .count();
  message_record m;
  m.role = protocol::message_role::tool;
  m.content = res.text;
  m.tool_call_id = call.id;
  m.tool_name = call.name;
  m.outcome = res.outcome;
  m.exit_code = res.exit_code;
  m.duration_ms = ms;
  m.turn = turn;
  m = io.journal_message(step, std::move(m));
  out.add(tool_finished{turn, call.id, call.name, res.outcome, m.content, res.exit_code, ms});
  out.add(message_stored{m});
  out.flush();
  tracer.commit(std::move(traced));
  history.push_back(std::move(m));
  wrote = wrote || (res.ok() && writes_files(call.name));
  return step_result::done;
}

/// The auto-fix request for a failed build, journaled as a message of `step`.
message_record fix_request(const std::string& step, int turn, const std::string& command,
                           const nlohmann::json& build, turn_io& io) {
  message_record m;
  m.role = protocol::message_role::user;
  m.turn = turn;
  auto code = build.value("exit_code", nlohmann::json());
  m.content =
    fmt::format("[auto-fix] The build command `{}` failed{}. Fix the errors:\n\n{}", command,
                code.is_number() ? fmt::format(" with exit code {}", code.get<int>()) : "",
                build.value("output", std::string()));
  return io.journal_message(step, std::move(m));
}

/// Runs the build command after file changes (or takes its result from the
/// journal); a failure becomes a user message for the next model call. Sets
/// `failed` when it failed. Builds are checks: one interrupted runs again.
step_result check_build(const turn_settings& s, int turn, int reply, int attempt,
                        std::vector<message_record>& history, turn_io& io, event_out& out,
                        const cancel_token& cancel, trace::tracer& tracer,
                        const turn_journal* resume, bool& failed) {
  auto argv = *s.build_command;
  auto step = build_step(reply);
  auto command = fmt::format("{}", fmt::join(argv, " "));
  const journal_entry* done = resume != nullptr ? resume->find(step, "build") : nullptr;
  nlohmann::json build;
  if (done != nullptr) {
    build = done->data;
  } else {
    auto call_id = fmt::format("build_{}_{}", turn, attempt);
    out.add(tool_started{turn, call_id, "build", command});
    auto span = tracer.begin_tool("build", call_id,
                                  tracer.enabled()
                                    ? nlohmann::json{{"argv", argv}}.dump(
                                        -1, ' ', false, nlohmann::json::error_handler_t::replace)
                                    : std::string{});
    out.flush();
    auto started = std::chrono::steady_clock::now();
    auto res = io.run_build(argv);
    auto traced = tracer.end_tool(span, res);
    if (stopping(cancel)) {
      out.flush();
      tracer.commit(std::move(traced));
      return step_result::stopped;
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - started)
                .count();
    build = {{"outcome", protocol::to_string(res.outcome)},
             {"output", res.text},
             {"exit_code", res.exit_code ? nlohmann::json(*res.exit_code) : nullptr},
             {"duration_ms", ms},
             {"failed", !res.ok() || res.exit_code.value_or(0) != 0}};
    io.journal_step(step, "build", build);
    out.add(tool_finished{turn, call_id, "build", res.outcome, res.text, res.exit_code, ms});
    out.flush();
    tracer.commit(std::move(traced));
  }
  failed = build.value("failed", false);
  if (!failed)
    return step_result::done;
  const journal_entry* asked = resume != nullptr ? resume->find(step, "message") : nullptr;
  if (asked != nullptr && asked->message) {
    history.push_back(*asked->message);
    return step_result::done;
  }
  auto m = fix_request(step, turn, command, build, io);
  out.add(message_stored{m});
  out.flush();
  history.push_back(std::move(m));
  return step_result::done;
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

const char* const interrupted_call_text =
  "This call was interrupted: the node running it stopped before it finished, so it may have "
  "taken effect partly, fully or not at all. It was not run again. Check the workspace before "
  "you repeat it.";

turn_summary run_turn(const turn_settings& settings, int turn, std::vector<message_record>& history,
                      turn_io& io, const cancel_token& cancel, trace::tracer* tracer_ptr,
                      const turn_journal* resume) {
  using protocol::turn_outcome;
  trace::tracer untraced;
  auto& tracer = tracer_ptr != nullptr ? *tracer_ptr : untraced;
  event_out out{io};
  tracer.set_turn(turn);
  tracer.set_cancel(&cancel);
  tracer.set_emit([&out](trace::call_started e) { out.add(std::move(e)); },
                  [&out](trace::call_finished e) { out.add(std::move(e)); });
  turn_summary sum;
  std::optional<turn_outcome> outcome;
  auto fail = [&](protocol::turn_error code, std::string message) {
    outcome = turn_outcome::error;
    sum.error = std::move(message);
    out.add(error_raised{code, sum.error});
  };
  out.add(turn_started{turn, settings.user_message_ids, resume != nullptr});
  while (!outcome) {
    if (stopping(cancel)) {
      outcome = turn_outcome::interrupted;
      break;
    }
    if (cancel.cancelled()) {
      outcome = turn_outcome::cancelled;
      break;
    }
    if (sum.model_calls >= settings.max_model_calls) {
      fail(protocol::turn_error::too_many_steps,
           fmt::format("the model made {} calls in one turn; stopping", sum.model_calls));
      break;
    }
    int n = ++sum.model_calls;
    auto step = reply_step(n);
    message_record m;
    if (auto* done = resume != nullptr ? resume->find(step, "message") : nullptr;
        done != nullptr && done->message) {
      m = *done->message; // the reply we already have: not asked again
      if (m.usage)
        sum.usage += *m.usage;
    } else {
      std::optional<std::chrono::steady_clock::time_point> first_token;
      auto mark = [&] {
        if (!first_token)
          first_token = std::chrono::steady_clock::now();
      };
      model::stream_callbacks cb;
      cb.on_text = [&](std::string_view t) {
        mark();
        out.add(answer_delta{turn, std::string(t)});
        out.flush();
      };
      cb.on_reasoning = [&](std::string_view t) {
        mark();
        out.add(reasoning_delta{turn, std::string(t)});
        out.flush();
      };
      cb.on_tool_call = [&](std::string_view) { mark(); };
      auto conv = conversation(settings, history);
      auto span = tracer.begin_model(io.model_name(), conv.size(), tools::tool_names().size());
      out.flush();
      auto result = io.call_model(conv, cb);
      auto traced = tracer.end_model(span, result, first_token);
      if (stopping(cancel)) {
        out.flush();
        tracer.commit(std::move(traced));
        outcome = turn_outcome::interrupted;
        break;
      }
      if (auto* err = std::get_if<model::model_error>(&result)) {
        if (err->what == model::model_error::kind::cancelled || cancel.cancelled())
          outcome = turn_outcome::cancelled;
        else
          fail(protocol::turn_error::model_error, err->message);
        out.flush();
        tracer.commit(std::move(traced));
        break;
      }
      auto& reply = std::get<model::model_reply>(result);
      sum.usage += reply.usage;
      m.role = protocol::message_role::assistant;
      m.content = reply.message.content;
      m.reasoning = reply.message.reasoning;
      m.tool_calls = reply.message.tool_calls;
      m.turn = turn;
      m.usage = reply.usage;
      m = io.journal_message(step, std::move(m));
      out.add(message_stored{m});
      out.flush();
      tracer.commit(std::move(traced));
    }
    auto calls = m.tool_calls;
    history.push_back(std::move(m));
    if (calls.empty()) {
      outcome = turn_outcome::completed;
      break;
    }
    bool wrote = false;
    bool stopped = false;
    for (size_t i = 0; i < calls.size() && !stopped; ++i) // every call gets a result
      stopped = run_call(calls[i], tool_step(n, i), turn, history, io, out, cancel, tracer, resume,
                         wrote) == step_result::stopped;
    if (stopped || stopping(cancel)) {
      outcome = turn_outcome::interrupted;
      break;
    }
    if (cancel.cancelled()) {
      outcome = turn_outcome::cancelled;
      break;
    }
    if (wrote && settings.build_command && sum.fix_attempts < settings.max_fix_attempts) {
      bool failed = false;
      if (check_build(settings, turn, n, sum.fix_attempts + 1, history, io, out, cancel, tracer,
                      resume, failed) == step_result::stopped) {
        outcome = turn_outcome::interrupted;
        break;
      }
      if (failed)
        ++sum.fix_attempts;
    }
  }
  sum.outcome = *outcome;
  if (sum.outcome != turn_outcome::interrupted) {
    out.flush();
    io.end_turn(sum);
    out.add(turn_ended{turn, sum.outcome, sum.usage, sum.error});
  }
  out.flush();
  tracer.set_emit({}, {});
  return sum;
}

} // namespace boocode::chat
