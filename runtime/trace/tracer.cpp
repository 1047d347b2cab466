#include "runtime/trace/tracer.hpp"

#include <fmt/format.h>

#include "runtime/protocol/prompt_cache.hpp"
#include "runtime/protocol/traces.hpp"

namespace boocode::trace {

namespace {

double ms_between(std::chrono::steady_clock::time_point a,
                  std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

outcome from_tool(tools::tool_outcome x) {
  switch (x) {
    case tools::tool_outcome::ok:
      return outcome::ok;
    case tools::tool_outcome::timeout:
      return outcome::timeout;
    case tools::tool_outcome::cancelled:
      return outcome::cancelled;
    case tools::tool_outcome::denied:
      return outcome::denied;
    case tools::tool_outcome::interrupted:
      return outcome::interrupted;
    case tools::tool_outcome::error:
      break;
  }
  return outcome::error;
}

outcome from_model(model::model_error::kind x) {
  switch (x) {
    case model::model_error::kind::timeout:
      return outcome::timeout;
    case model::model_error::kind::cancelled:
      return outcome::cancelled;
    default:
      return outcome::error;
  }
}

std::string reply_text(const model::model_reply& r) {
  std::string out;
  if (!r.message.reasoning.empty())
    out += "[reasoning]\n" + r.message.reasoning + "\n[answer]\n";
  out += r.message.content;
  for (auto& c : r.message.tool_calls)
    out += fmt::format("{}→ {}({})", out.empty() ? "" : "\n", c.name, c.arguments);
  return out;
}

} // namespace

trace_end tool_trace_end(const tools::tool_result& result) {
  trace_end e;
  e.outcome = from_tool(result.outcome);
  if (!result.ok())
    e.error = clip_output(result.text, max_error_bytes);
  e.output = clip_output(result.text, max_output_bytes);
  e.exit_code = result.exit_code;
  e.tokens_used = model::estimate_tokens(result.text.size());
  return e;
}

trace_end model_trace_end(const model::model_result& result) {
  trace_end e;
  if (auto* err = std::get_if<model::model_error>(&result)) {
    e.outcome = from_model(err->what);
    e.error = clip_output(err->message, max_error_bytes);
    e.attempts = err->attempts;
    return e;
  }
  auto& reply = std::get<model::model_reply>(result);
  e.output = clip_output(reply_text(reply), max_output_bytes);
  e.finish_reason = reply.finish_reason;
  e.attempts = reply.attempts;
  e.usage = reply.usage;
  e.tokens_used = reply.usage.prompt + reply.usage.completion;
  e.cache_tokens = reply.usage.cache_hit;
  e.reasoning_tokens = reply.usage.reasoning;
  return e;
}

tracer::tracer(trace_sink* sink, id_source* ids, std::string chat_id, actor_ref actor)
  : sink_(ids != nullptr ? sink : nullptr), ids_(ids), chat_id_(std::move(chat_id)),
    actor_(std::move(actor)) {}

tracer::span tracer::begin(call_kind kind, const std::string& tool, const std::string& call_id,
                           std::string input_json, const std::string& model) {
  if (sink_ == nullptr)
    return {};
  auto s = std::make_shared<trace_start>();
  s->id = ids_->next();
  s->chat_id = chat_id_;
  s->turn = turn_;
  s->kind = kind;
  s->tool = tool;
  s->call_id = call_id;
  s->actor = actor_;
  s->input = std::move(input_json);
  s->model = model;
  s->started_us = now_us();
  s->otel = otel_;
  span sp{std::move(s), std::chrono::steady_clock::now()};
  if (started_)
    started_({sp.start});
  sink_->started(sp.start);
  return sp;
}

void tracer::commit(finished_call&& call) {
  if (call.record && sink_ != nullptr)
    sink_->finished(std::move(*call.record));
  call.record.reset();
}

tracer::finished_call tracer::end(const span& s, trace_end e,
                                  std::chrono::steady_clock::time_point t1) {
  if (e.outcome == outcome::cancelled && cancel_ != nullptr &&
      cancel_->reason() == cancel_reason::shutdown) {
    e.outcome = outcome::interrupted;
    e.error = interrupted_error;
  }
  e.latency_ms = ms_between(s.t0, t1);
  if (s.start->tool != journal_tool)
    busy_ += t1 - s.t0;
  e.finished_us =
    s.start->started_us + std::chrono::duration_cast<std::chrono::microseconds>(t1 - s.t0).count();
  if (finished_) {
    // The frame shows the first preview_bytes of the output: copy only those.
    std::string full = std::move(e.output);
    e.output = full.size() <= preview_bytes ? full : clip_output(full, preview_bytes);
    finished_({s.start, e});
    e.output = std::move(full);
  }
  return {trace_record{s.start, std::move(e)}};
}

tracer::span tracer::begin_tool(const std::string& tool, const std::string& call_id,
                                std::string input_json) {
  return begin(call_kind::tool, tool, call_id, std::move(input_json), {});
}

tracer::finished_call tracer::end_tool(const span& s, const tools::tool_result& result) {
  if (!s.start)
    return {};
  auto t1 = std::chrono::steady_clock::now();
  return end(s, tool_trace_end(result), t1);
}

tracer::span tracer::begin_model(const std::string& model, size_t messages, size_t tools,
                                 size_t images, size_t image_bytes) {
  if (sink_ == nullptr)
    return {};
  return begin(call_kind::model, "model", {},
               protocol::model_call_input(model, messages, tools, images, image_bytes), model);
}

tracer::finished_call
tracer::end_model(const span& s, const model::model_result& result,
                  std::optional<std::chrono::steady_clock::time_point> first_token,
                  const model::cache_report* cache) {
  if (!s.start)
    return {};
  auto t1 = std::chrono::steady_clock::now();
  auto e = model_trace_end(result);
  if (first_token)
    e.ttft_ms = ms_between(s.t0, *first_token);
  if (cache != nullptr)
    e.prompt_cache = std::make_shared<prompt_cache_trace>(prompt_cache_trace{
      protocol::prompt_cache_json(*cache), protocol::message_hashes_text(cache->message_hashes)});
  return end(s, std::move(e), t1);
}

} // namespace boocode::trace
