#include "app/serve.hpp"

#include <csignal>
#include <iostream>
#include <optional>
#include <pthread.h>
#include <unistd.h>
#include <vector>

#include <caf/all.hpp>

#include <caf/io/middleman.hpp>

#include "actors/admin_service_impl.hpp"
#include "actors/chat_service_impl.hpp"
#include "actors/cluster_monitor.hpp"
#include "actors/cluster_store.hpp"
#include "actors/node_directory.hpp"
#include "actors/peer_links.hpp"
#include "actors/session_registry.hpp"
#include "actors/task_control.hpp"
#include "actors/trace_writer.hpp"
#include "actors/workflow_service_impl.hpp"
#include "app/command_sandbox.hpp"
#include "app/data_dir_lock.hpp"
#include "app/model_setup.hpp"
#include "app/node_access.hpp"
#include "app/observability.hpp"
#include "net/access_routes.hpp"
#include "net/admin_server.hpp"
#include "net/api_routes.hpp"
#include "net/attachment_routes.hpp"
#include "net/chat_routes.hpp"
#include "net/http_server.hpp"
#include "net/model_client.hpp"
#include "net/tls_files.hpp"
#include "net/workflow_routes.hpp"
#include "runtime/actor_system.hpp"
#include "runtime/logging.hpp"
#include "runtime/model/scripted_provider.hpp"
#include "runtime/node_identity.hpp"
#include "runtime/option_values.hpp"
#include "runtime/poll.hpp"
#include "runtime/process_limits.hpp"
#include "runtime/process_memory.hpp"
#include "runtime/protocol/frames.hpp"
#include "runtime/sandbox/engine.hpp"
#include "runtime/version.hpp"
#include "storage/embedded_postgres.hpp"
#include "storage/migrations.hpp"
#include "storage/node_repository.hpp"
#include "storage/session_repository.hpp"
#include "storage/storage_error.hpp"
#include "storage/trace_repository.hpp"

namespace fs = std::filesystem;

namespace boocode {

namespace {

/// SIGINT and SIGTERM (and SIGHUP, which reloads the TLS certificate) are
/// blocked in every thread and taken by sigwait on the main thread, so
/// shutdown runs as ordinary code, not in a handler.
sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

/// The built web app: --web-dir, else web/dist of the source tree this
/// binary was built in (build/bin/boocode → web/dist), else ./web/dist.
fs::path find_web_dir(const node_config& cfg) {
  if (!cfg.web_dir.empty())
    return cfg.web_dir;
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto candidate = exe.parent_path().parent_path().parent_path() / "web" / "dist";
    if (fs::exists(candidate / "index.html", ec))
      return candidate;
  }
  return fs::absolute("web/dist");
}

/// Rows of finished calls that may wait for the database before new ones are
/// dropped (and logged): about 30 MB at the largest outputs, a few MB typically.
constexpr size_t trace_queue_capacity = 10'000;
/// Trace rows gather this long before they are written (see trace_writer_options).
constexpr auto trace_gather = std::chrono::milliseconds(100);

/// Stops the node's long-lived actors when start-up fails part way (a port
/// taken, the cluster unreachable): the actor system's destructor waits for
/// every actor, so without this a failed start would hang instead of exiting
/// with its error. On an orderly stop they have already exited.
class stop_actors_on_exit {
public:
  stop_actors_on_exit() = default;
  stop_actors_on_exit(const stop_actors_on_exit&) = delete;
  stop_actors_on_exit& operator=(const stop_actors_on_exit&) = delete;
  ~stop_actors_on_exit() {
    for (auto& a : actors_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  template <class Handle>
  Handle add(Handle h) {
    actors_.push_back(caf::actor_cast<caf::actor_addr>(h));
    return h;
  }

private:
  std::vector<caf::actor_addr> actors_;
};

/// A node stopping while other nodes of its cluster are up first moves its
/// chats to them (each at its turn boundary), so nothing waits for it.
void drain_if_clustered(caf::actor_system& sys, const cluster_store_actor& store,
                        const session_registry_actor& registry, const std::string& node_id,
                        spdlog::logger& log) {
  caf::scoped_actor self{sys};
  bool others = false;
  self->request(store, std::chrono::seconds(10), nodes_atom::value)
    .receive(
      [&](const std::vector<peer_info>& all) {
        others = std::any_of(all.begin(), all.end(), [&](const peer_info& n) {
          return n.node_id != node_id && n.state == "up";
        });
      },
      [&](const caf::error& e) { log.warn("cannot list the cluster's nodes: {}", sys.render(e)); });
  if (!others)
    return;
  log.info("draining: moving this node's chats to the other nodes");
  self->request(registry, std::chrono::minutes(10), drain_atom::value)
    .receive([&](int64_t moved) { log.info("drained: {} chat(s) moved", moved); },
             [&](const caf::error& e) { log.warn("drain failed: {}", sys.render(e)); });
}

/// Refuses cluster TLS files that every connection would refuse (as
/// peers that never connect), and warns at every start that a cluster port
/// beyond loopback runs in clear when --cluster-insecure allowed it.
void check_cluster_transport(const node_config& cfg, spdlog::logger& log) {
  if (!cfg.cluster_cert.empty()) {
    if (auto err = net::check_mutual_tls_files({cfg.cluster_cert, cfg.cluster_key, cfg.cluster_ca}))
      throw std::runtime_error("--cluster-cert: " + *err);
    log.info("the cluster port speaks mutual TLS (peers signed by {})", cfg.cluster_ca.string());
  } else if (!is_loopback(cfg.cluster_host)) {
    log.warn("--cluster-insecure: the cluster port {} is plain; anyone who reaches it can send "
             "this node's actors messages",
             cfg.cluster_host);
  }
}

int run(const node_config& cfg, log_set& logs) {
  auto log = logs.get("node");
  auto signals = shutdown_signals();

  data_dir_lock lock{cfg.data_dir};
  auto node_id = cfg.node_id.empty() ? load_or_create_node_id(cfg.data_dir) : cfg.node_id;
  log->info("boocode {} starting as node {} (data dir {})", version, node_id,
            fs::absolute(cfg.data_dir).string());
  if (auto files = raise_open_file_limit(); files.soft < files.hard)
    log->info("open files: limit raised from {} to {}", files.soft, files.hard);
  auto roots = workspace_roots(cfg, *log);
  auto sandbox = make_command_sandbox(cfg, roots, *log);
  auto users = load_users(cfg, *log);
  check_cluster_transport(cfg, *log);

  std::unique_ptr<storage::embedded_postgres> pg;
  std::string conninfo = cfg.database_url;
  if (conninfo.empty()) {
    storage::embedded_postgres_options pg_opts;
    pg_opts.root = cfg.data_dir / "pg";
    pg_opts.bin_dir = cfg.pg_bin_dir;
    pg_opts.log = logs.get("postgres");
    pg = storage::embedded_postgres::start(std::move(pg_opts));
    conninfo = pg->conninfo();
  }
  // Every connection of this node says whose it is (the cluster tells a dead
  // node, none left, from a hung one), and a transaction it leaves idle (the
  // node hung mid-transaction) is ended by the server before the node is
  // declared dead, so its locks do not block the others.
  conninfo = storage::node_conninfo(conninfo, node_id, cfg.node_timeout / 2);
  auto applied = storage::apply_migrations(conninfo, storage::builtin_migrations());
  if (!applied.empty())
    logs.get("storage")->info("applied {} migration(s), now at version {}", applied.size(),
                              applied.back());
  auto readiness = std::make_shared<node_readiness>();
  readiness->migrated = true;

  auto web_dir = find_web_dir(cfg);
  if (!fs::exists(web_dir / "index.html"))
    log->warn("no web app in {}: pages will answer 503 until it is built", web_dir.string());

  auto deps = std::make_shared<session_deps>();
  deps->sandbox = std::move(sandbox);
  // Open (loopback, no users): a developer's own machine, where calls run
  // as they always did; with users, tool calls that change things ask.
  deps->default_mode = users ? protocol::permission_mode::ask : protocol::permission_mode::allow;
  auto pool_size = cfg.db_pool > 0 ? cfg.db_pool : storage::default_pool_size();
  connect_storage(*deps, conninfo, pool_size);
  deps->turns = std::make_shared<work_queue>(cfg.turn_threads);
  deps->passivate_after = cfg.passivate_after;
  deps->turn_limits = {cfg.turn_model_calls, cfg.turn_tokens, cfg.turn_time};
  deps->task_limits = cfg.task_limits;
  deps->workflow_limits = cfg.workflow_limits;
  // Workflow scripts run in the sandbox's isolates on a few threads of their own.
  deps->scripts = std::make_shared<sandbox::engine>(sandbox::engine_options{2});
  if (const char* home = std::getenv("HOME"))
    deps->home = home;
  deps->node_id = node_id;
  deps->cluster = cfg.cluster;
  deps->provider = make_provider(cfg, logs);
  deps->prices = price_table_of(cfg, *deps->provider);
  deps->attachments =
    std::make_shared<attachment_store>(deps->db, cfg.attachments, logs.get("attachments"));
  deps->vision.mode = cfg.model_vision;
  deps->vision_provider = make_vision_provider(cfg, logs);
  deps->vision.vision_model = deps->vision_provider.get();
  deps->log = logs.get("session");
  auto trace_log = logs.get("trace");
  auto traces = std::make_shared<trace::trace_queue>(trace_queue_capacity, trace_log);
  observe_traces(*deps, cfg, traces, make_span_exporter(cfg, *deps, node_id, logs));
  deps->trace_ids = std::make_shared<trace::id_source>();
  collect_node_state(*deps->metric_registry,
                     {deps, traces, deps->spans, readiness, node_id, version});

  node_actor_config actor_cfg;
  actor_cfg.distributed(std::min(cfg.heartbeat_interval / 2, std::chrono::milliseconds(250)),
                        cfg.node_timeout);
  if (!cfg.cluster_cert.empty())
    actor_cfg.secured(cfg.cluster_cert, cfg.cluster_key, cfg.cluster_ca);
  caf::actor_system sys{actor_cfg};
  stop_actors_on_exit spawned; // declared after sys: runs before its destructor
  auto trace_repo = std::make_shared<storage::trace_repository>(conninfo);
  auto trace_writer = spawned.add(spawn_trace_writer(
    sys, traces,
    [trace_repo](const std::vector<trace::trace_record>& rows) { trace_repo->insert(rows); },
    {.gather = trace_gather, .log = trace_log}));
  storage::node_record self_row{node_id, "", version, static_cast<int>(getpid()), "up", 0};
  self_row.cluster = cfg.cluster;
  auto store = spawned.add(spawn_cluster_store(sys, {conninfo, self_row, cfg.node_timeout, log}));
  auto peers = spawned.add(spawn_peer_links(sys, {.node_id = node_id, .log = logs.get("cluster")}));
  auto registry = spawned.add(spawn_session_registry(sys, deps, store, peers));
  // A drained node stops (the admin port's drain): as if told SIGTERM.
  auto directory = spawned.add(spawn_node_directory(
    sys, registry, peers, [] { ::kill(::getpid(), SIGTERM); },
    [readiness] { readiness->draining = true; }));
  auto cluster_port = publish_on_cluster(sys, directory, cfg.cluster_port, cfg.cluster_host);
  if (!cluster_port)
    throw std::runtime_error(fmt::format("cannot listen for the cluster on {}:{}: {}",
                                         cfg.cluster_host, cfg.cluster_port,
                                         sys.render(cluster_port.error())));
  self_row.cluster_address = fmt::format("{}:{}", url_host(cfg.cluster_host), *cluster_port);
  chat_service_impl chats{sys, deps, registry};
  admin_service_impl admin_ops{sys, deps, registry, directory, peers};
  net::admin_server admin{{cfg.admin_host, cfg.admin_port, cfg.admin_token, logs.get("admin"),
                           cfg.admin_tls_cert, cfg.admin_tls_key},
                          admin_ops};
  self_row.admin_address = fmt::format("{}:{}", url_host(cfg.admin_host), admin.start());

  net::router routes;
  auto load = [deps] {
    auto db = deps->db->stats();
    protocol::node_load l;
    l.pool_size = db.size;
    l.pool_open = db.open;
    l.pool_in_use = db.in_use;
    l.pool_peak = db.peak_in_use;
    l.pool_waiting = db.waiting;
    l.sessions_loaded = deps->counts->sessions_loaded();
    l.sessions_unloaded = deps->counts->sessions_unloaded();
    l.turns_running = *deps->running_turns;
    l.rss_bytes = resident_bytes();
    l.heap_bytes = heap_bytes();
    return l;
  };
  net::add_health_routes(routes,
                         {node_id, version, [traces] { return traces->stats(); }, load, readiness});
  net::add_chat_routes(routes, chats, roots, static_cast<size_t>(cfg.attachments.max_per_message));
  deps->attachments->set_reach(
    [&chats](const chat::caller& who, const std::string& id) { return chats.reach(who, id); });
  net::add_attachment_routes(routes, chats, *deps->attachments);
  workflow_service_impl workflows{deps, roots};
  net::add_workflow_routes(routes, workflows);
  auto gate = make_access_gate(cfg, std::move(users), deps->db);
  auto metrics_server = start_metrics_server(cfg, gate, *deps->metric_registry, logs);
  if (!metrics_server)
    net::add_metrics_route(routes, *deps->metric_registry);
  net::ws_handler ws;
  ws.on_open = [node_id](const std::shared_ptr<net::ws_connection>& c) {
    c->send_text(protocol::hello_frame(node_id, version));
  };
  auto max_images = static_cast<size_t>(cfg.attachments.max_per_message);
  ws.on_text = [&chats, max_images](const std::shared_ptr<net::ws_connection>& c,
                                    std::string text) {
    net::handle_chat_frame(chats, c, text, c->caller(), max_images);
  };
  ws.on_close = [&chats](const std::shared_ptr<net::ws_connection>& c) {
    chats.connection_closed(c->id());
  };
  net::http_server server{
    {.host = cfg.listen_host,
     .port = cfg.listen_port,
     .max_body_bytes = cfg.max_body_bytes,
     // An image and a multipart body's few hundred bytes around it.
     .upload_body_bytes = std::max<uint64_t>(cfg.max_body_bytes, cfg.attachments.max_bytes + 65536),
     .web_dir = web_dir,
     .threads = 2,
     .handler_threads = pool_size + 2, // a few beyond the pool: those not waiting for it
     .log = logs.get("http"),
     .admit_upgrade = [gate](net::http_request& req) { return admit_upgrade(*gate, req); },
     .tls_cert = cfg.tls_cert,
     .tls_key = cfg.tls_key,
     .ws_connections = deps->metrics->ws_connections,
     .ws_frames = deps->metrics->ws_frames},
    [&routes, gate](const net::http_request& req) {
      return net::gated(*gate, req,
                        [&routes](const net::http_request& r) { return routes.dispatch(r); });
    },
    std::move(ws)};
  auto port = server.start();
  auto address = fmt::format("{}://{}:{}", cfg.tls_cert.empty() ? "http" : "https",
                             url_host(cfg.listen_host), port);

  // Joining releases whatever an earlier run of this node held; the monitor's
  // first beat claims this node's share of the cluster's orphaned chats
  // (here, alone: all of them) and resumes those with work.
  {
    caf::scoped_actor self{sys};
    std::string failed;
    self
      ->request(store, std::chrono::seconds(30), join_atom::value, address,
                self_row.cluster_address, self_row.admin_address)
      .receive([](bool) {}, [&](const caf::error& e) { failed = sys.render(e); });
    if (!failed.empty())
      throw std::runtime_error("cannot join the cluster: " + failed);
    readiness->database = true;
    readiness->in_cluster = true;
  }
  auto monitor = spawned.add(spawn_cluster_monitor(
    sys, store, registry,
    {node_id, cfg.heartbeat_interval, peers, logs.get("cluster"), deps->metrics->lease_takeovers,
     deps->metrics->cluster_nodes, readiness}));
  log->info("cluster {}: reachable at {}; admin port {}", cfg.cluster, self_row.cluster_address,
            self_row.admin_address);
  // Queued tasks start when a running one ends; after a restart there may be
  // none running to end, so the queue moves once now.
  try {
    task_control{*deps}.start_queued();
  } catch (const std::exception& e) {
    log->warn("queued tasks not started yet: {}", e.what());
  }

  log->info("listening on {}", address);
  std::cout << "boocode listening on " << address << std::endl;

  int sig = 0;
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
    try {
      server.reload_tls();
      if (!cfg.tls_cert.empty())
        log->info("SIGHUP: reloaded the TLS certificate {}", cfg.tls_cert.string());
    } catch (const std::exception& e) {
      log->error("SIGHUP: {}; still serving the previous certificate", e.what());
    }
  }
  log->info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  readiness->draining = true; // load balancers stop sending work while it drains
  drain_if_clustered(sys, store, registry, node_id, *log);
  caf::anon_send_exit(monitor, caf::exit_reason::user_shutdown);

  admin.stop();
  if (metrics_server)
    metrics_server->stop();
  server.stop();
  chats.close_clients();
  caf::anon_send_exit(directory, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
  // The sessions stop their turns (a command is killed, a model stream
  // closed); give them a moment to record how they ended.
  if (!poll_until(std::chrono::seconds(10), [&] { return *deps->running_turns == 0; }))
    log->warn("{} turn(s) did not stop in time", deps->running_turns->load());
  stop_work(*deps); // loads, saves and turns still queued are for sessions that stopped
  {
    // Every trace reaches the database before PostgreSQL stops; calls still
    // running are recorded as interrupted.
    caf::scoped_actor self{sys};
    self->request(trace_writer, caf::infinite, close_atom::value)
      .receive([](bool) {},
               [&log](const caf::error& e) { log->warn("trace writer: {}", caf::to_string(e)); });
    auto s = traces->stats();
    log->info("traces: {} written, {} dropped, {} refused", s.written, s.dropped, s.rejected);
  }
  try {
    storage::node_repository{deps->db}.mark_stopped(node_id);
  } catch (const storage::storage_error& e) {
    log->warn("could not mark the node stopped: {}", e.what());
  }
  if (pg)
    pg->stop();
  log->info("stopped");
  return 0;
}

} // namespace

int serve(const node_config& cfg) {
  // Before any thread exists, so every thread inherits the mask.
  auto signals = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  log_set logs{cfg.log_level, cfg.log_fmt};
  try {
    return run(cfg, logs);
  } catch (const refused_start& e) {
    logs.get("node")->error("{}", e.what());
    std::cerr << "boocode: " << e.what() << std::endl;
    return 2;
  } catch (const std::exception& e) {
    logs.get("node")->error("{}", e.what());
    std::cerr << "boocode: " << e.what() << std::endl;
    return 1;
  }
}

} // namespace boocode
