#include "app/observability.hpp"

#include <iostream>

#include "app/model_setup.hpp"
#include "net/access_routes.hpp"
#include "net/api_routes.hpp"
#include "runtime/option_values.hpp"
#include "runtime/process_memory.hpp"
#include "runtime/trace/call_metrics.hpp"
#include "runtime/version.hpp"

namespace boocode {

namespace {

using metrics::metric_type;
using metrics::reading;

std::vector<reading> one(double v) {
  return {{{}, v}};
}

/// provider_name of each model, worked out once.
std::function<std::string(std::string_view)> provider_names(const node_config& cfg) {
  auto main = provider_name(cfg, cfg.model);
  auto vision = provider_name(cfg, cfg.vision_model);
  return [main, vision, vision_model = cfg.vision_model](std::string_view model) {
    return !vision_model.empty() && model == vision_model ? vision : main;
  };
}

void collect_actors(metrics::registry& r, std::shared_ptr<const actor_counts> counts,
                    std::shared_ptr<std::atomic<int>> running) {
  auto by_kind = [counts](bool loaded) {
    std::vector<reading> out;
    for (size_t k = 0; k < actor_counts::kinds; ++k) {
      auto kind = static_cast<protocol::actor_kind>(k);
      out.push_back({{std::string{protocol::to_string(kind)}},
                     static_cast<double>(loaded ? counts->loaded(kind) : counts->unloaded(kind))});
    }
    return out;
  };
  r.collect("boocode_actors_loaded", "Actors with their state in memory, by kind.",
            metric_type::gauge, {"kind"}, [by_kind] { return by_kind(true); });
  r.collect("boocode_actors_passivated",
            "Actors passivated (lease kept, state dropped until their next input), by kind.",
            metric_type::gauge, {"kind"}, [by_kind] { return by_kind(false); });
  r.collect("boocode_turns_running", "Agent turns running now.", metric_type::gauge, {},
            [running] { return one(*running); });
}

void collect_traces(metrics::registry& r, std::shared_ptr<trace::trace_queue> q) {
  r.collect("boocode_trace_queue_depth", "Finished calls waiting to be written to PostgreSQL.",
            metric_type::gauge, {}, [q] { return one(static_cast<double>(q->stats().pending)); });
  r.collect("boocode_trace_rows_written_total", "Trace rows written to PostgreSQL.",
            metric_type::counter, {}, [q] { return one(static_cast<double>(q->stats().written)); });
  r.collect("boocode_trace_rows_dropped_total",
            "Trace rows dropped because the trace queue was full.", metric_type::counter, {},
            [q] { return one(static_cast<double>(q->stats().dropped)); });
  r.collect("boocode_trace_rows_rejected_total", "Trace rows the database refused (lost).",
            metric_type::counter, {},
            [q] { return one(static_cast<double>(q->stats().rejected)); });
  r.collect("boocode_trace_write_failures_total",
            "Trace writes that failed because the database was unreachable (retried).",
            metric_type::counter, {},
            [q] { return one(static_cast<double>(q->stats().failed_writes)); });
}

void collect_pool(metrics::registry& r, std::shared_ptr<storage::pool> db) {
  r.collect("boocode_db_pool_connections",
            "The database pool's connections: its size, those open, those lent out.",
            metric_type::gauge, {"state"}, [db] {
              auto s = db->stats();
              return std::vector<reading>{{{"size"}, static_cast<double>(s.size)},
                                          {{"open"}, static_cast<double>(s.open)},
                                          {{"in_use"}, static_cast<double>(s.in_use)}};
            });
  r.collect("boocode_db_pool_waiting", "Callers waiting for a database connection now.",
            metric_type::gauge, {}, [db] { return one(db->stats().waiting); });
  r.collect("boocode_db_pool_waits_total", "Borrows that had to wait for a connection.",
            metric_type::counter, {}, [db] { return one(static_cast<double>(db->stats().waits)); });
  r.collect("boocode_db_pool_wait_seconds_total",
            "Time callers spent waiting for a database connection, in all.", metric_type::counter,
            {}, [db] { return one(db->stats().wait_seconds); });
}

} // namespace

void collect_node_state(metrics::registry& r, observed_parts parts) {
  collect_actors(r, parts.deps->counts, parts.deps->running_turns);
  collect_traces(r, parts.traces);
  collect_pool(r, parts.deps->db);
  if (auto spans = parts.spans)
    r.collect("boocode_otlp_queue_depth", "Spans waiting for the OTLP collector.",
              metric_type::gauge, {},
              [spans] { return one(static_cast<double>(spans->pending())); });
  r.collect("boocode_process_resident_memory_bytes", "The node's resident memory.",
            metric_type::gauge, {}, [] { return one(static_cast<double>(resident_bytes())); });
  r.collect("boocode_node_ready",
            "1 while the node is ready (migrated, database reachable, in its cluster, not "
            "draining).",
            metric_type::gauge, {}, [ready = parts.readiness] { return one(ready->ready()); });
  r.collect("boocode_node_info", "The node's identity: always 1.", metric_type::gauge,
            {"node_id", "version", "cluster"},
            [id = parts.node_id, v = parts.version, c = parts.deps->cluster] {
              return std::vector<reading>{{{id, v, c}, 1}};
            });
}

std::shared_ptr<net::otlp_exporter> make_span_exporter(const node_config& cfg,
                                                       const session_deps& deps,
                                                       const std::string& node_id, log_set& logs) {
  if (cfg.otlp_endpoint.empty())
    return nullptr;
  net::otlp_options o;
  o.endpoint = cfg.otlp_endpoint;
  o.headers = cfg.otlp_headers;
  o.capacity = static_cast<size_t>(cfg.otlp_queue);
  o.resource = {"boocode", version, node_id, deps.cluster};
  o.provider_of = provider_names(cfg);
  o.exported = deps.metrics->spans_exported;
  o.dropped = deps.metrics->spans_dropped;
  o.failures = deps.metrics->span_export_failures;
  o.log = logs.get("otlp");
  auto spans = std::make_shared<net::otlp_exporter>(std::move(o));
  logs.get("node")->info("exporting spans to {} (OTLP/HTTP)", cfg.otlp_endpoint);
  return spans;
}

void observe_traces(session_deps& deps, const node_config& cfg,
                    std::shared_ptr<trace::trace_queue> queue,
                    std::shared_ptr<net::otlp_exporter> spans) {
  std::vector<std::shared_ptr<trace::trace_observer>> observers;
  observers.push_back(
    std::make_shared<trace::call_metrics>(*deps.metrics, deps.prices, provider_names(cfg)));
  if (spans)
    observers.push_back(spans);
  deps.traces = std::make_shared<trace::observed_sink>(std::move(queue), std::move(observers));
  deps.spans = std::move(spans);
}

std::unique_ptr<net::http_server> start_metrics_server(const node_config& cfg,
                                                       std::shared_ptr<net::access_gate> gate,
                                                       const metrics::registry& metrics,
                                                       log_set& logs) {
  if (cfg.metrics_host.empty())
    return nullptr;
  auto routes = std::make_shared<net::router>();
  net::add_metrics_route(*routes, metrics);
  auto log = logs.get("http");
  auto server = std::make_unique<net::http_server>(
    net::http_server_options{
      .host = cfg.metrics_host,
      .port = cfg.metrics_port,
      .threads = 1,
      .handler_threads = 1,
      .log = log,
      .admit_upgrade = [](net::http_request&) -> std::optional<net::http_response> {
        return net::json_error(404, "not_found", "no WebSocket here");
      },
      .tls_cert = cfg.tls_cert,
      .tls_key = cfg.tls_key},
    [routes, gate](const net::http_request& req) {
      if (req.path != "/metrics")
        return net::json_error(404, "not_found", "this port serves GET /metrics only");
      return net::gated(*gate, req,
                        [routes](const net::http_request& r) { return routes->dispatch(r); });
    },
    net::ws_handler{});
  auto port = server->start();
  auto address = fmt::format("{}://{}:{}/metrics", cfg.tls_cert.empty() ? "http" : "https",
                             url_host(cfg.metrics_host), port);
  logs.get("node")->info("metrics on {}", address);
  std::cout << "boocode metrics on " << address << std::endl; // as "listening on" is
  return server;
}

} // namespace boocode
