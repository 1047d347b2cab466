#include "runtime/agent/kernel.hpp"

#include <chrono>
#include <utility>

#include <fmt/format.h>

namespace boocode::agent {

namespace {

using chat::message_record;
using chat::tool_intent;

tools::tool_result interrupted_result(const tool_set& tools, const std::string& tool) {
  tools::tool_result r;
  r.outcome = tools::tool_outcome::interrupted;
  r.text = interrupted_call_text;
  r.read_only = tools.is_read_only(tool).value_or(false);
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

tool_intent intent_of(const tool_set& tools, const model::tool_call& call, std::string step) {
  return {std::move(step), call.name, call.arguments,
          !tools.is_read_only(call.name).value_or(true)};
}

long long elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since)
    .count();
}

/// Runs `wait` (the turn waiting for its journal's commits) as a traced
/// call of the pseudo-tool "journal", `what` saying what for: BooCode's own
/// time, shown in the trace beside the model and tool calls, never inside
/// them. Returns the call's trace, to commit after the next flush (its
/// frames go out with the events that follow). A commit that fails is
/// traced as an error and rethrown.
template <class F>
[[nodiscard]] trace::tracer::finished_call journaled(turn_context& t, const std::string& what,
                                                     F&& wait) {
  auto span = t.tracer.begin_tool(
    std::string{trace::journal_tool}, fmt::format("journal_{}_{}", t.turn, what),
    t.tracer.enabled() ? nlohmann::json{{"before", what}}.dump() : std::string{});
  try {
    wait();
  } catch (const std::exception& e) {
    auto traced = t.tracer.end_tool(
      span, tools::tool_error(std::string("the commit failed: ") + e.what(), true));
    t.out.flush();
    t.tracer.commit(std::move(traced));
    throw;
  }
  tools::tool_result done;
  done.text = "stored";
  done.read_only = true;
  return t.tracer.end_tool(span, done);
}

/// Asks a user about `call` (step `step`): journals the request (unless an
/// earlier run did), waits until it is stored and publishes it. The turn
/// stops here until the answer comes.
step_result wait_for_answer(turn_context& t, const model::tool_call& call, const std::string& step,
                            const approval_gate::decision& d) {
  chat::approval_requested ask{t.turn, d.id, call.id, call.name, call.arguments, d.text};
  if (t.resume == nullptr || t.resume->find(step, "approval") == nullptr) {
    t.io.journal_step(step, "approval",
                      {{"id", ask.id},
                       {"call_id", ask.call_id},
                       {"tool", ask.tool},
                       {"arguments", ask.arguments},
                       {"reason", ask.reason}});
    auto stored = journaled(t, step, [&] { t.io.make_durable(); });
    t.out.add(std::move(ask));
    t.out.flush();
    t.tracer.commit(std::move(stored));
  } else {
    t.out.add(std::move(ask));
    t.out.flush();
  }
  return step_result::waiting;
}

/// Runs tool call `call` (step `step`), or takes its result from the journal
/// of an earlier run, and adds the result to the conversation. Its intent is
/// journaled before it starts, unless `intent_journaled` (it went with the
/// previous commit). Its result is journaled with `next`, the intent of the
/// call after it (if any); `next_journaled` tells whether that happened. Sets
/// `wrote` when it changed files.
step_result run_call(turn_context& t, const model::tool_call& call, const std::string& step,
                     bool intent_journaled, const tool_intent* next, bool& next_journaled,
                     bool& wrote) {
  auto& tools = *t.spec.tools;
  next_journaled = false;
  if (t.resume != nullptr)
    if (auto* done = t.resume->find(step, "message"); done != nullptr && done->message) {
      wrote = wrote ||
              (done->message->outcome == tools::tool_outcome::ok && tools.changes_files(call.name));
      t.conv.append(chat::to_model_message(*done->message));
      return step_result::done;
    }
  bool interrupted = t.resume != nullptr && t.resume->find(step, "intent") != nullptr;
  auto args = nlohmann::json::parse(call.arguments.empty() ? "{}" : call.arguments, nullptr, false);
  bool valid = !args.is_discarded();
  bool read_only = tools.is_read_only(call.name).value_or(true);
  bool runs = !t.cancel.cancelled() && valid && (!interrupted || read_only);
  std::optional<std::string> denied; // a user's note
  if (runs && !interrupted) {
    auto d = t.gate.decide(t.io, call, step);
    if (d.what == approval_gate::verdict::wait)
      return wait_for_answer(t, call, step, d);
    if (d.what == approval_gate::verdict::deny) {
      runs = false;
      denied = d.text;
    }
  }
  // Before its span: the journal is not the tool's time. A call that may
  // change something waits until its intent is stored; a read-only one is
  // simply run again if the node dies first.
  if (runs && !interrupted && !intent_journaled)
    t.io.journal_step(step, "intent", intent_of(tools, call, step).data());
  std::optional<trace::tracer::finished_call> stored;
  if (runs && !read_only)
    stored = journaled(t, step, [&] { t.io.make_durable(); });
  t.out.add(chat::tool_started{t.turn, call.id, call.name, call.arguments});
  auto span = t.tracer.begin_tool(call.name, call.id, trace_input(t.tracer, call, valid));
  t.out.flush();
  if (stored)
    t.tracer.commit(std::move(*stored));
  auto started = std::chrono::steady_clock::now();
  tools::tool_result res;
  if (t.cancel.cancelled()) {
    res.outcome = tools::tool_outcome::cancelled;
    res.text = "cancelled before it ran";
  } else if (denied) {
    res = denied_result(*denied, read_only);
  } else if (!valid) {
    res = tools::tool_error("the arguments are not valid JSON: " + call.arguments, read_only);
  } else if (interrupted && !read_only) {
    res = interrupted_result(tools, call.name); // it may have taken effect: the model decides
  } else {
    res = tools.run(call.name, args, step + ':' + call.id);
  }
  auto traced = t.tracer.end_tool(span, res);
  auto ms = elapsed_ms(started);
  if (stopping(t.cancel)) {
    t.out.flush();
    t.tracer.commit(std::move(traced));
    return step_result::stopped; // no result journaled: the resumed turn sees the intent
  }
  message_record m;
  m.role = protocol::message_role::tool;
  m.content = res.text;
  m.tool_call_id = call.id;
  m.tool_name = call.name;
  m.outcome = res.outcome;
  m.exit_code = res.exit_code;
  m.duration_ms = ms;
  m.turn = t.turn;
  m.attachments = std::move(res.images);
  bool with_next = next != nullptr && !t.cancel.cancelled();
  m = t.io.journal_message(step, std::move(m), with_next ? next : nullptr);
  next_journaled = with_next;
  t.out.add(
    chat::tool_finished{t.turn, call.id, call.name, res.outcome, m.content, res.exit_code, ms});
  t.out.add(chat::message_stored{m});
  t.out.commit_after_flush(std::move(traced)); // out with the next step's start
  t.conv.append(chat::to_model_message(m));
  wrote = wrote || (res.ok() && tools.changes_files(call.name));
  return step_result::done;
}

/// Runs the calls of reply `n` in order; the first one's intent went with
/// the reply when `first_journaled`. Every call gets a result unless the
/// node stops.
step_result run_calls(turn_context& t, int n, const std::vector<model::tool_call>& calls,
                      bool first_journaled, bool& wrote) {
  bool journaled = first_journaled;
  for (size_t i = 0; i < calls.size(); ++i) {
    std::optional<tool_intent> next;
    if (i + 1 < calls.size() && t.gate.will_run(calls[i + 1], chat::tool_step(n, i + 1)))
      next = intent_of(*t.spec.tools, calls[i + 1], chat::tool_step(n, i + 1));
    bool next_journaled = false;
    if (auto r = run_call(t, calls[i], chat::tool_step(n, i), journaled, next ? &*next : nullptr,
                          next_journaled, wrote);
        r != step_result::done)
      return r;
    journaled = next_journaled;
  }
  return step_result::done;
}

/// Calls the model with the conversation, streaming its deltas out. On a
/// reply, `m` becomes it (not journaled yet). The call's trace is committed
/// either way, after the next flush.
model::model_result ask_model(turn_context& t, message_record& m) {
  std::optional<std::chrono::steady_clock::time_point> first_token;
  auto mark = [&] {
    if (!first_token)
      first_token = std::chrono::steady_clock::now();
  };
  model::stream_callbacks cb;
  // Deltas go out when the stream pauses: those one read brought, together.
  cb.on_text = [&](std::string_view text) {
    mark();
    t.out.add(chat::answer_delta{t.turn, std::string(text)});
  };
  cb.on_reasoning = [&](std::string_view text) {
    mark();
    t.out.add(chat::reasoning_delta{t.turn, std::string(text)});
  };
  cb.on_tool_call = [&](std::string_view) { mark(); };
  cb.on_pause = [&] { t.out.flush(); };
  const auto& s = t.spec;
  bool fresh = t.conv.has_images_from(t.first_message);
  auto plan = plan_call(s.vision, *s.model, fresh);
  auto& model = *plan.model;
  std::string_view model_override = plan.on_vision_model ? std::string_view{} : s.model_name;
  auto name = model_override.empty() ? model.model_name() : std::string(model_override);
  if (fresh && !plan.send_images)
    return model::model_error{model::model_error::kind::config, 0,
                              no_vision_message(name, s.vision.mode == chat::vision_mode::off
                                                        ? "--model-vision is off"
                                                        : "its endpoint refused images earlier"),
                              0};
  model::image_payload payload;
  bool with_images = t.conv.has_images_from(0);
  if (plan.send_images && with_images)
    payload = load_images(t.conv, *s.vision.images);
  payload.send = plan.send_images;
  auto call = [&] {
    first_token.reset();
    auto sent = count_images(t.conv, payload);
    model::model_request req{s.system_prompt, t.conv,   s.tools->schemas_json(),
                             model_override,  &payload, s.cache_key};
    if (t.cache != nullptr)
      t.cache->before(name, req, model.prompt_cache_ttl());
    auto span = t.tracer.begin_model(name, t.conv.size() + (s.system_prompt.empty() ? 0 : 1),
                                     s.tools->size(), sent.images, sent.bytes);
    t.out.flush();
    auto result = model.complete(req, cb, &t.cancel);
    const auto* cache =
      t.cache != nullptr ? t.cache->after(result, trace::tracer::id_of(span)) : nullptr;
    // Its frames go out with the next step's (the reply stored, its first call).
    t.out.commit_after_flush(t.tracer.end_model(span, result, first_token, cache));
    return result;
  };
  auto result = call();
  auto* err = std::get_if<model::model_error>(&result);
  if (err != nullptr && payload.send && with_images && model::refuses_images(*err)) {
    // The endpoint does not take images: say so for this turn's, or send
    // the older ones as notes.
    if (!plan.on_vision_model && s.vision.mode == chat::vision_mode::automatic && s.vision.refused)
      s.vision.refused->store(true);
    if (fresh)
      return model::model_error{err->what, err->status, no_vision_message(name, err->message),
                                err->attempts};
    payload.send = false;
    result = call();
  }
  if (auto* reply = std::get_if<model::model_reply>(&result)) {
    m.role = protocol::message_role::assistant;
    m.content = reply->message.content;
    m.reasoning = reply->message.reasoning;
    m.tool_calls = reply->message.tool_calls;
    m.turn = t.turn;
    m.usage = reply->usage;
  }
  return result;
}

/// Why the turn may not call the model again, if it may not.
std::optional<std::pair<protocol::turn_error, std::string>>
over_limits(const limits& l, const turn_summary& sum,
            std::chrono::steady_clock::time_point started) {
  if (l.max_model_calls > 0 && sum.model_calls >= l.max_model_calls)
    return std::pair{protocol::turn_error::too_many_steps,
                     fmt::format("the model made {} calls in one turn; stopping", sum.model_calls)};
  auto tokens = static_cast<int64_t>(sum.usage.prompt + sum.usage.completion);
  if (l.max_tokens > 0 && tokens >= l.max_tokens)
    return std::pair{
      protocol::turn_error::over_budget,
      fmt::format("the turn used {} tokens, over its limit of {}; stopping", tokens, l.max_tokens)};
  if (auto ms = elapsed_ms(started); l.max_wall.count() > 0 && ms >= l.max_wall.count())
    return std::pair{protocol::turn_error::over_budget,
                     fmt::format("the turn ran for {} ms, over its limit of {} ms; stopping", ms,
                                 l.max_wall.count())};
  return std::nullopt;
}

} // namespace

const char* const interrupted_call_text =
  "This call was interrupted: the node running it stopped before it finished, so it may have "
  "taken effect partly, fully or not at all. It was not run again. Check the workspace before "
  "you repeat it.";

turn_summary run_turn(const spec& spec, const turn_input& in, model::conversation& conv,
                      turn_io& io, const cancel_token& cancel, trace::tracer* tracer_ptr) {
  using protocol::turn_outcome;
  auto started = std::chrono::steady_clock::now();
  trace::tracer untraced;
  auto& tracer = tracer_ptr != nullptr ? *tracer_ptr : untraced;
  event_out out{io, tracer};
  tracer.set_turn(in.turn);
  tracer.set_cancel(&cancel);
  tracer.set_emit([&out](trace::call_started e) { out.add(std::move(e)); },
                  [&out](trace::call_finished e) { out.add(std::move(e)); });
  turn_summary sum;
  std::optional<turn_outcome> outcome;
  auto fail = [&](protocol::turn_error code, std::string message) {
    outcome = turn_outcome::error;
    sum.error = std::move(message);
    out.add(chat::error_raised{code, sum.error});
  };
  const auto* resume = in.resume;
  approval_gate gate{in.turn, in.answers};
  // The turn's own messages: its user messages, at the end of `conv`.
  size_t first = conv.size();
  if (in.first_message)
    first = std::min(*in.first_message, conv.size());
  else
    while (first > 0 && conv.messages()[first - 1].role == "user")
      --first;
  // The prompt cache is measured where calls are traced.
  model::cache_memory turn_cache;
  cache_watch watch{spec.cache != nullptr ? *spec.cache : turn_cache, spec.prices, io};
  turn_context t{spec,   in.turn, conv, io,   out,   cancel,
                 tracer, resume,  sum,  gate, first, tracer.enabled() ? &watch : nullptr};
  // The turn's answer (a reply without tool calls), stored by the checkpoint.
  std::optional<message_record> answer;
  out.add(chat::turn_started{in.turn, in.user_message_ids, resume != nullptr});
  while (!outcome) {
    if (stopping(cancel)) {
      outcome = turn_outcome::interrupted;
      break;
    }
    auto step = chat::reply_step(sum.model_calls + 1);
    const auto* done = resume != nullptr ? resume->find(step, "message") : nullptr;
    bool replay = done != nullptr && done->message; // a cancel still gives its calls results
    if (cancel.cancelled() && !replay) {
      outcome = turn_outcome::cancelled;
      break;
    }
    if (auto over = over_limits(spec.limits, sum, started); over && !replay) {
      fail(over->first, std::move(over->second));
      break;
    }
    int n = ++sum.model_calls;
    message_record m;
    bool fresh = false;
    if (replay) {
      m = *done->message; // the reply we already have: not asked again
      if (m.usage)
        sum.usage += *m.usage;
      gate.refresh(io, *spec.tools, m.tool_calls);
    } else {
      auto result = ask_model(t, m);
      if (stopping(cancel)) {
        outcome = turn_outcome::interrupted;
        break;
      }
      if (auto* err = std::get_if<model::model_error>(&result)) {
        if (err->what == model::model_error::kind::cancelled || cancel.cancelled())
          outcome = turn_outcome::cancelled;
        else
          fail(protocol::turn_error::model_error, err->message);
        break;
      }
      sum.usage += *m.usage;
      if (m.tool_calls.empty()) {
        answer = std::move(m);
        outcome = turn_outcome::completed;
        break;
      }
      // One commit: the reply and the intent of the call it starts with
      // (unless that call must wait for a user).
      gate.refresh(io, *spec.tools, m.tool_calls);
      auto first = intent_of(*spec.tools, m.tool_calls.front(), chat::tool_step(n, 0));
      fresh = !cancel.cancelled() && gate.will_run(m.tool_calls.front(), chat::tool_step(n, 0));
      m = io.journal_message(step, std::move(m), fresh ? &first : nullptr);
      out.add(chat::message_stored{m}); // goes out with its first call's start
    }
    auto calls = m.tool_calls;
    conv.append(chat::to_model_message(m));
    if (calls.empty()) {
      outcome = turn_outcome::completed;
      break;
    }
    bool wrote = false;
    auto ran = run_calls(t, n, calls, fresh, wrote);
    if (ran != step_result::done || stopping(cancel)) {
      outcome = turn_outcome::interrupted;
      sum.waiting = ran == step_result::waiting && !stopping(cancel);
      break;
    }
    if (cancel.cancelled()) {
      outcome = turn_outcome::cancelled;
      break;
    }
    for (auto* hook : spec.hooks)
      if (!outcome && hook->after_calls(t, n, wrote) == step_result::stopped)
        outcome = turn_outcome::interrupted;
  }
  sum.outcome = *outcome;
  if (sum.outcome != turn_outcome::interrupted) {
    out.flush();
    auto stored =
      journaled(t, "checkpoint", [&] { io.end_turn(sum, answer ? &*answer : nullptr); });
    if (answer) {
      out.add(chat::message_stored{*answer});
      conv.append(chat::to_model_message(*answer));
    }
    out.add(chat::turn_ended{in.turn, sum.outcome, sum.usage, sum.error});
    out.flush();
    tracer.commit(std::move(stored));
  }
  out.flush();
  tracer.set_emit({}, {});
  return sum;
}

} // namespace boocode::agent
