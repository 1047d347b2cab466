#include "runtime/trace/otlp_json.hpp"

#include <string>

namespace boocode::trace {

namespace {

using nlohmann::json;

// OTLP's SpanKind and StatusCode values.
constexpr int span_internal = 1;
constexpr int span_client = 3;
constexpr int status_ok = 1;
constexpr int status_error = 2;

json attr(std::string_view key, std::string_view v) {
  return {{"key", key}, {"value", {{"stringValue", v}}}};
}
// OTLP/JSON writes 64-bit integers as strings.
json attr(std::string_view key, int64_t v) {
  return {{"key", key}, {"value", {{"intValue", std::to_string(v)}}}};
}
json attr(std::string_view key, double v) {
  return {{"key", key}, {"value", {{"doubleValue", v}}}};
}
json attr_list(std::string_view key, std::string_view v) {
  return {{"key", key}, {"value", {{"arrayValue", {{"values", {{{"stringValue", v}}}}}}}}};
}

std::string nanos(int64_t us) {
  return std::to_string(us) + "000";
}

json span_base(const turn_trace& t, std::string span_id, std::string_view parent, std::string name,
               int kind, int64_t started_us, int64_t finished_us) {
  json s{{"traceId", t.trace_id},
         {"spanId", std::move(span_id)},
         {"name", std::move(name)},
         {"kind", kind},
         {"startTimeUnixNano", nanos(started_us)},
         {"endTimeUnixNano", nanos(std::max(finished_us, started_us))}};
  if (!parent.empty())
    s["parentSpanId"] = parent;
  return s;
}

void add_usage(json& attrs, const model::token_usage& u) {
  // input_tokens counts every prompt token, as OpenAI's and DeepSeek's do.
  attrs.push_back(attr("gen_ai.usage.input_tokens", static_cast<int64_t>(u.prompt)));
  attrs.push_back(attr("gen_ai.usage.output_tokens", static_cast<int64_t>(u.completion)));
  attrs.push_back(attr("gen_ai.usage.cache_read.input_tokens", static_cast<int64_t>(u.cache_hit)));
  if (u.cache_write > 0)
    attrs.push_back(
      attr("gen_ai.usage.cache_creation.input_tokens", static_cast<int64_t>(u.cache_write)));
  if (u.reasoning > 0)
    attrs.push_back(
      attr("gen_ai.usage.reasoning.output_tokens", static_cast<int64_t>(u.reasoning)));
}

json call_json(const call_span& c,
               const std::function<std::string(std::string_view)>& provider_of) {
  const auto& s = *c.start;
  const auto& e = c.end;
  bool model = s.kind == call_kind::model;
  auto name = model ? "chat " + s.model : "execute_tool " + s.tool;
  auto id = s.call_id.empty() ? span_id_of(s.actor.id, s.turn, s.id)
                              : span_id_of(s.actor.id, s.turn, s.call_id);
  auto span = span_base(*s.otel, std::move(id), s.otel->span_id, std::move(name),
                        model ? span_client : span_internal, s.started_us, e.finished_us);
  json attrs = json::array();
  attrs.push_back(attr("gen_ai.conversation.id", s.otel->root_chat));
  attrs.push_back(attr("gen_ai.agent.id", s.actor.id));
  attrs.push_back(attr("boocode.trace_id", s.id));
  attrs.push_back(attr("boocode.turn", static_cast<int64_t>(s.turn)));
  attrs.push_back(attr("boocode.outcome", protocol::to_string(e.outcome)));
  if (model) {
    attrs.push_back(attr("gen_ai.operation.name", "chat"));
    auto provider = provider_of ? provider_of(s.model) : std::string{};
    attrs.push_back(attr("gen_ai.system", provider));
    attrs.push_back(attr("gen_ai.provider.name", provider)); // the newer conventions' name
    attrs.push_back(attr("gen_ai.request.model", s.model));
    if (!e.finish_reason.empty())
      attrs.push_back(attr_list("gen_ai.response.finish_reasons", e.finish_reason));
    if (e.ttft_ms)
      attrs.push_back(attr("boocode.time_to_first_token_ms", *e.ttft_ms));
    if (e.usage)
      add_usage(attrs, *e.usage);
  } else {
    attrs.push_back(attr("gen_ai.operation.name", "execute_tool"));
    attrs.push_back(attr("gen_ai.tool.name", s.tool));
    if (!s.call_id.empty())
      attrs.push_back(attr("gen_ai.tool.call.id", s.call_id));
    if (e.exit_code)
      attrs.push_back(attr("boocode.exit_code", static_cast<int64_t>(*e.exit_code)));
  }
  span["attributes"] = std::move(attrs);
  if (e.outcome == outcome::ok)
    span["status"] = {{"code", status_ok}};
  else
    span["status"] = {
      {"code", status_error},
      {"message", e.error.empty() ? std::string{protocol::to_string(e.outcome)} : e.error}};
  return span;
}

json turn_json(const turn_span& t) {
  auto span = span_base(*t.trace, t.trace->span_id, t.trace->parent_span_id,
                        "invoke_agent " + std::string{protocol::to_string(t.kind)}, span_internal,
                        t.started_us, t.finished_us);
  json attrs = json::array();
  attrs.push_back(attr("gen_ai.operation.name", "invoke_agent"));
  attrs.push_back(attr("gen_ai.conversation.id", t.trace->root_chat));
  attrs.push_back(attr("gen_ai.agent.id", t.actor_id));
  attrs.push_back(attr("gen_ai.agent.name", protocol::to_string(t.kind)));
  attrs.push_back(attr("boocode.turn", static_cast<int64_t>(t.turn)));
  attrs.push_back(attr("boocode.outcome", t.outcome));
  attrs.push_back(attr("boocode.model_calls", static_cast<int64_t>(t.model_calls)));
  add_usage(attrs, t.usage);
  span["attributes"] = std::move(attrs);
  bool ok = t.outcome == "completed" || t.outcome == "waiting";
  span["status"] =
    ok ? json{{"code", status_ok}} : json{{"code", status_error}, {"message", "turn " + t.outcome}};
  return span;
}

} // namespace

call_span call_span_of(const trace_record& r) {
  call_span c;
  c.start = r.start;
  const auto& e = r.end;
  c.end.finished_us = e.finished_us;
  c.end.latency_ms = e.latency_ms;
  c.end.ttft_ms = e.ttft_ms;
  c.end.outcome = e.outcome;
  c.end.error = e.error;
  c.end.exit_code = e.exit_code;
  c.end.usage = e.usage;
  c.end.finish_reason = e.finish_reason;
  return c;
}

nlohmann::json otlp_request(const otlp_resource& resource, const std::vector<export_span>& spans,
                            const std::function<std::string(std::string_view)>& provider_of) {
  json out = json::array();
  for (const auto& s : spans) {
    if (const auto* c = std::get_if<call_span>(&s)) {
      if (c->start && c->start->otel)
        out.push_back(call_json(*c, provider_of));
    } else if (const auto& t = std::get<turn_span>(s); t.trace) {
      out.push_back(turn_json(t));
    }
  }
  json attrs = json::array(
    {attr("service.name", resource.service_name), attr("service.version", resource.version),
     attr("service.instance.id", resource.node_id), attr("boocode.cluster", resource.cluster)});
  return {
    {"resourceSpans",
     json::array({{{"resource", {{"attributes", std::move(attrs)}}},
                   {"scopeSpans",
                    json::array({{{"scope", {{"name", "boocode"}, {"version", resource.version}}},
                                  {"spans", std::move(out)}}})}}})}};
}

} // namespace boocode::trace
