#pragma once

#include "runtime/metrics/registry.hpp"

namespace boocode::metrics {

/// The metrics a node's parts update as things happen (docs/operations.md
/// lists them all). Those read from a part's own state when scraped (the
/// trace queue, the database pool, the loaded actors) are declared by the
/// composition root with registry::collect.
struct node_metrics {
  explicit node_metrics(registry& r);

  // Turns and steps (the turn worker).
  counter_family turns;    // boocode_turns_total{kind,outcome}
  histogram step_overhead; // boocode_step_overhead_seconds
  // Model and tool calls, from their traces (trace::call_metrics).
  counter_family model_calls;  // boocode_model_calls_total{provider,model,outcome}
  histogram_family model_time; // boocode_model_call_seconds{provider,model}
  histogram_family model_ttft; // boocode_model_time_to_first_token_seconds{provider,model}
  counter_family model_tokens; // boocode_model_tokens_total{provider,model,kind}
  counter_family model_cost;   // boocode_model_cost_usd_total{provider,model}
  counter_family tool_calls;   // boocode_tool_calls_total{tool,outcome}
  histogram_family tool_time;  // boocode_tool_call_seconds{tool}
  // The WebSocket frontend.
  gauge ws_connections; // boocode_websocket_connections
  counter ws_frames;    // boocode_websocket_frames_sent_total
  // The cluster.
  counter lease_takeovers;    // boocode_lease_takeovers_total
  counter migrations;         // boocode_chat_migrations_total
  counter fencing_refusals;   // boocode_fencing_refusals_total
  gauge_family cluster_nodes; // boocode_cluster_nodes{state}
  // The span exporter (OTLP).
  counter spans_exported;       // boocode_otlp_spans_exported_total
  counter spans_dropped;        // boocode_otlp_spans_dropped_total
  counter span_export_failures; // boocode_otlp_export_failures_total
};

} // namespace boocode::metrics
