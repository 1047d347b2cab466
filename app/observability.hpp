#pragma once

#include <memory>
#include <string>

#include "actors/session_deps.hpp"
#include "net/access_gate.hpp"
#include "net/http_server.hpp"
#include "net/otlp_exporter.hpp"
#include "runtime/logging.hpp"
#include "runtime/node_options.hpp"
#include "runtime/node_readiness.hpp"
#include "runtime/trace/trace_queue.hpp"

// The composition root's share that makes a node observable: the metrics
// read from its parts when scraped, the traced calls' observers (metrics
// and span export). docs/operations.md describes what they give.

namespace boocode {

/// What the scrape-time metrics read.
struct observed_parts {
  std::shared_ptr<const session_deps> deps;
  std::shared_ptr<trace::trace_queue> traces;
  std::shared_ptr<net::otlp_exporter> spans; // null: no export
  std::shared_ptr<const node_readiness> readiness;
  std::string node_id;
  std::string version;
};

/// Declares the metrics read from the node's parts each time /metrics is
/// scraped: actors by kind and state, running turns, the trace queue, the
/// database pool, the span queue, memory, readiness, the node's identity.
void collect_node_state(metrics::registry& r, observed_parts parts);

/// The span exporter for --otlp-endpoint; null when none is set.
std::shared_ptr<net::otlp_exporter> make_span_exporter(const node_config& cfg,
                                                       const session_deps& deps,
                                                       const std::string& node_id, log_set& logs);

/// Gives `deps` the sink traced calls go to: they are counted into its
/// metrics and handed to `spans` (when set), then queued in `queue` for
/// PostgreSQL.
void observe_traces(session_deps& deps, const node_config& cfg,
                    std::shared_ptr<trace::trace_queue> queue,
                    std::shared_ptr<net::otlp_exporter> spans);

/// Serves GET /metrics on --metrics-listen, behind `gate` as the API is;
/// null when the metrics are on the API's port. Throws when it cannot listen.
std::unique_ptr<net::http_server> start_metrics_server(const node_config& cfg,
                                                       std::shared_ptr<net::access_gate> gate,
                                                       const metrics::registry& metrics,
                                                       log_set& logs);

} // namespace boocode
