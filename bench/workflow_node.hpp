#pragma once

// A node for the workflow benchmarks: its own PostgreSQL, a fake model that
// answers every step "ok" at once (so what is measured is BooCode's own work),
// and a run started over REST and waited for.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "bench/database.hpp"
#include "runtime/poll.hpp"
#include "tests/support/fake_model_server.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"

namespace boocode::bench {

class workflow_node {
public:
  explicit workflow_node(const std::filesystem::path& dir)
    : workspace_(dir / "ws"), pg_(start_database(dir / "pg")) {
    std::filesystem::create_directories(workspace_);
    model_.set_request_log_limit(16);
    model_.set_responder([](const nlohmann::json&) -> std::optional<test::fake_reply> {
      test::fake_reply r;
      r.text = "ok";
      return r;
    });
    node_ = std::make_unique<test::node_process>(
      std::vector<std::string>{"serve", "--listen", "127.0.0.1:0", "--data-dir",
                               (dir / "data").string(), "--database-url", pg_->conninfo(),
                               "--model-base-url", model_.base_url(), "--model", "bench",
                               "--log-level", "warn", "--subagents-per-node", "256"},
      dir / "node.log");
    node_->wait_ready();
  }

  std::string conninfo() const { return pg_->conninfo(); }

  /// Runs `script` (with `extra` in the body) to its end: its id and wall
  /// time in ms; an empty id when it did not complete (said on stderr).
  std::pair<std::string, double> run(const std::string& script,
                                     const nlohmann::json& extra = nlohmann::json::object()) {
    using namespace std::chrono;
    auto to = node_->address();
    nlohmann::json body{{"workspace", workspace_.string()}, {"script", script}};
    body.update(extra);
    auto start = steady_clock::now();
    auto res = test::http_call(to, "POST", "/api/workflow-runs", body.dump());
    if (res.status != 201) {
      std::fprintf(stderr, "start failed: %d %s\n", res.status, res.body.c_str());
      return {};
    }
    auto id = res.json()["id"].get<std::string>();
    std::string state;
    poll_until(minutes(5), [&] {
      state = test::http_call(to, "GET", "/api/workflow-runs/" + id).json()["state"];
      return state != "running" && state != "queued";
    });
    if (state != "completed") {
      std::fprintf(stderr, "run %s ended %s\n", id.c_str(), state.c_str());
      return {};
    }
    return {id, duration<double, std::milli>(steady_clock::now() - start).count()};
  }

private:
  std::filesystem::path workspace_;
  std::unique_ptr<storage::embedded_postgres> pg_;
  test::fake_model_server model_;
  std::unique_ptr<test::node_process> node_;
};

} // namespace boocode::bench
