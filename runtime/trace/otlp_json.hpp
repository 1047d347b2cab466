#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/model/usage.hpp"
#include "runtime/trace/span_ids.hpp"
#include "runtime/trace/trace.hpp"

namespace boocode::trace {

/// A traced call as it waits to be exported: its start and end without the
/// output (spans carry no content).
struct call_span {
  std::shared_ptr<const trace_start> start;
  trace_end end; // output left empty
};

/// A call's span copied off a finished call: everything but the output.
call_span call_span_of(const trace_record& r);

/// An actor's turn, the span its calls nest under.
struct turn_span {
  std::shared_ptr<const turn_trace> trace;
  std::string actor_id; // the chat, subagent or step itself
  protocol::actor_kind kind = protocol::actor_kind::session;
  int turn = 0;
  int64_t started_us = 0;
  int64_t finished_us = 0;
  std::string outcome; // boocode_turns_total's label
  model::token_usage usage;
  int model_calls = 0;
};

using export_span = std::variant<call_span, turn_span>;

/// Who sends the spans: the OTLP resource's attributes.
struct otlp_resource {
  std::string service_name = "boocode";
  std::string version;
  std::string node_id;
  std::string cluster;
};

/// An OTLP/HTTP JSON ExportTraceServiceRequest holding `spans` (those with
/// no trace are left out), attributed by the OpenTelemetry GenAI semantic
/// conventions: model calls are `chat {model}` client spans with
/// gen_ai.system (`provider_of` the model), gen_ai.request.model and
/// gen_ai.usage.*; tool calls `execute_tool {tool}`; turns
/// `invoke_agent {kind}`.
nlohmann::json otlp_request(const otlp_resource& resource, const std::vector<export_span>& spans,
                            const std::function<std::string(std::string_view model)>& provider_of);

} // namespace boocode::trace
