#include "runtime/metrics/node_metrics.hpp"

namespace boocode::metrics {

node_metrics::node_metrics(registry& r)
  : turns(r.counters("boocode_turns_total", "Agent turns ended, by actor kind and outcome.",
                     {"kind", "outcome"})),
    step_overhead(r.histograms("boocode_step_overhead_seconds",
                               "BooCode's own time per agent step of a completed turn: the "
                               "turn's wall time less its model and tool calls, per model call.",
                               overhead_buckets())
                    .with({})),
    model_calls(r.counters("boocode_model_calls_total",
                           "Model calls, by provider, model and outcome.",
                           {"provider", "model", "outcome"})),
    model_time(r.histograms("boocode_model_call_seconds", "Model call latency.", latency_buckets(),
                            {"provider", "model"})),
    model_ttft(r.histograms("boocode_model_time_to_first_token_seconds",
                            "Time from a model call's start to its first streamed token.",
                            latency_buckets(), {"provider", "model"})),
    model_tokens(r.counters("boocode_model_tokens_total",
                            "Model tokens by kind: prompt, cache_hit, cache_miss, cache_write, "
                            "completion, reasoning.",
                            {"provider", "model", "kind"})),
    model_cost(r.counters("boocode_model_cost_usd_total",
                          "What the model calls cost, in USD, at the node's price table.",
                          {"provider", "model"})),
    tool_calls(r.counters("boocode_tool_calls_total", "Tool calls, by tool and outcome.",
                          {"tool", "outcome"})),
    tool_time(
      r.histograms("boocode_tool_call_seconds", "Tool call latency.", latency_buckets(), {"tool"})),
    ws_connections(
      r.gauges("boocode_websocket_connections", "Open WebSocket connections.").with({})),
    ws_frames(r.counters("boocode_websocket_frames_sent_total", "WebSocket frames sent.").with({})),
    lease_takeovers(r.counters("boocode_lease_takeovers_total",
                               "Chats this node took over from a node declared dead.")
                      .with({})),
    migrations(r.counters("boocode_chat_migrations_total",
                          "Chats this node moved to another node (drain or rebalance).")
                 .with({})),
    fencing_refusals(r.counters("boocode_fencing_refusals_total",
                                "Writes refused because another node holds the chat's lease.")
                       .with({})),
    cluster_nodes(r.gauges("boocode_cluster_nodes",
                           "The cluster's nodes by state (up, draining), this one included, as "
                           "of its last heartbeat.",
                           {"state"})),
    spans_exported(
      r.counters("boocode_otlp_spans_exported_total", "Spans the OTLP exporter delivered.")
        .with({})),
    spans_dropped(r.counters("boocode_otlp_spans_dropped_total",
                             "Spans the OTLP exporter dropped: its queue was full or the "
                             "collector refused them.")
                    .with({})),
    span_export_failures(
      r.counters("boocode_otlp_export_failures_total", "OTLP export requests that failed.")
        .with({})) {}

} // namespace boocode::metrics
