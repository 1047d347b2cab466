// Workflow runs end to end on one node: a real node on its own PostgreSQL and
// a fake model that answers every step at once ("no-op" agents), so what is
// measured is BooCode's own work per step: writing the step's task, starting
// its actor (lease, inbox, turn, checkpoint), its end and notification, and
// the run replaying its answer into the script.
//
//   build/bin/bench_workflows [steps=100] [rounds=5]
//
// Prints, for `steps` no-op agents one after another and in one parallel()
// (concurrency 32): the run's wall time from POST to completed, and per step.
// Restate took 249 ms for 100 no-op durable steps on this machine.
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "bench/database.hpp"
#include "bench/stats.hpp"
#include "runtime/poll.hpp"
#include "tests/support/fake_model_server.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using namespace std::chrono;
using nlohmann::json;

namespace {

/// Runs `script` and waits for its end; the wall time in ms (or -1).
double run_once(const test::endpoint& to, const std::filesystem::path& workspace,
                const std::string& script) {
  auto start = steady_clock::now();
  auto res = test::http_call(to, "POST", "/api/workflow-runs",
                             json{{"workspace", workspace.string()}, {"script", script}}.dump());
  if (res.status != 201) {
    std::fprintf(stderr, "start failed: %d %s\n", res.status, res.body.c_str());
    return -1;
  }
  auto id = res.json()["id"].get<std::string>();
  std::string state;
  bool ended = poll_until(minutes(5), [&] {
    state = test::http_call(to, "GET", "/api/workflow-runs/" + id).json()["state"];
    return state != "running" && state != "queued";
  });
  if (!ended || state != "completed") {
    std::fprintf(stderr, "run %s ended %s\n", id.c_str(), state.c_str());
    return -1;
  }
  return duration<double, std::milli>(steady_clock::now() - start).count();
}

} // namespace

int main(int argc, char** argv) {
  const int steps = argc > 1 ? std::atoi(argv[1]) : 100;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  test::temp_dir dir{"boocode-bench"};
  auto workspace = dir / "ws";
  std::filesystem::create_directories(workspace);
  auto pg = bench::start_database(dir / "pg");

  test::fake_model_server model;
  model.set_request_log_limit(16);
  model.set_responder([](const json&) -> std::optional<test::fake_reply> {
    test::fake_reply r;
    r.text = "ok";
    return r;
  });
  test::node_process node{{"serve", "--listen", "127.0.0.1:0", "--data-dir",
                           (dir / "data").string(), "--database-url", pg->conninfo(),
                           "--model-base-url", model.base_url(), "--model", "bench", "--log-level",
                           "warn", "--subagents-per-node", "256"},
                          dir / "node.log"};
  node.wait_ready();
  auto to = node.address();

  const auto n = std::to_string(steps);
  const std::string serial =
    "export const meta = { name: 'serial', description: 'no-op agents in a row' };\n"
    "for (let i = 0; i < " +
    n + "; i++) await agent('step ' + i);\nreturn " + n + ";";
  const std::string fan =
    "export const meta = { name: 'fan', description: 'no-op agents at once', concurrency: 32 };\n"
    "return (await parallel([...Array(" +
    n +
    ").keys()].map((i) => () => agent('item ' + i))))"
    ".length;";
  for (const auto& [label, script] :
       {std::pair{"one after another", serial}, std::pair{"in one parallel() (32 at once)", fan}}) {
    std::vector<double> walls;
    for (int r = 0; r < rounds; ++r) {
      auto ms = run_once(to, workspace, script);
      if (ms < 0)
        return 1;
      walls.push_back(ms);
    }
    auto p50 = bench::percentile(walls, 0.5);
    std::printf("%d no-op agents %s: p50 %.0f ms per run (%.2f ms per step), best %.0f ms "
                "(Restate: 249 ms for 100 no-op durable steps)\n",
                steps, label, p50, p50 / steps, *std::min_element(walls.begin(), walls.end()));
  }
  return 0;
}
