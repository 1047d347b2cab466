#pragma once

// Three real nodes on one PostgreSQL (its own, under a temp dir, or
// BENCH_DATABASE_URL) and a fake model: the cluster the benchmarks run.
#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "storage/embedded_postgres.hpp"
#include "storage/migrations.hpp"
#include "tests/support/fake_model_server.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace boocode::bench {

struct cluster {
  explicit cluster(const std::string& name) : dir(name) {
    std::filesystem::create_directories(workspace);
    std::filesystem::permissions(workspace, std::filesystem::perms::all);
    if (const char* url = std::getenv("BENCH_DATABASE_URL")) {
      conninfo = url;
    } else {
      storage::embedded_postgres_options opts;
      opts.root = dir.path() / "pg";
      pg = storage::embedded_postgres::start(opts);
      conninfo = pg->conninfo();
    }
    storage::apply_migrations(conninfo, storage::builtin_migrations());
    for (auto id : {"node-a", "node-b", "node-c"})
      start(id);
  }

  ~cluster() {
    for (auto& [id, n] : nodes)
      if (n) {
        n->signal(SIGKILL);
        n->wait_exit(std::chrono::seconds(20));
      }
  }

  /// Starts (again) node `id` with the default heartbeat and node timeout.
  void start(const std::string& id) {
    nodes[id].reset();
    nodes[id] = std::make_unique<test::node_process>(
      std::vector<std::string>{"serve", "--listen", "127.0.0.1:0", "--data-dir",
                               (dir / id).string(), "--node-id", id, "--database-url", conninfo,
                               "--model-base-url", model.base_url(), "--model", "bench",
                               "--log-level", "info"},
      dir / fmt::format("{}-{}.log", id, ++starts[id]));
    nodes[id]->wait_ready();
  }

  test::endpoint to(const std::string& id) { return nodes.at(id)->address(); }

  /// How often `id`'s log says it connected to node `peer`.
  size_t connections(const std::string& id, const std::string& peer) {
    auto out = nodes.at(id)->output();
    auto needle = "connected to node " + peer;
    size_t n = 0;
    for (auto pos = out.find(needle); pos != std::string::npos; pos = out.find(needle, pos + 1))
      ++n;
    return n;
  }

  test::temp_dir dir;
  std::unique_ptr<storage::embedded_postgres> pg;
  std::string conninfo;
  test::fake_model_server model;
  std::filesystem::path workspace = dir / "ws";
  std::map<std::string, std::unique_ptr<test::node_process>> nodes;
  std::map<std::string, int> starts;
};

} // namespace boocode::bench
