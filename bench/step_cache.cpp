// The step cache: what a cached step costs against a live one.
//
//   build/bin/bench_step_cache [steps=100] [rounds=5] [files=50] [lookups=200]
//
// End to end, on a real node with its own PostgreSQL and a fake model that
// answers every step at once: a workflow of `steps` agents one after another
// run with the cache off (each step live and durable), then filled, then
// re-run `rounds` times with every step a hit. Per cached step it prints p50
// and p99 of the time between one step's end and the next one's (the cache
// traces' microsecond times: the script's call, the lookup and check, the
// step's row, the answer), and the ratio to the live run.
//
// In process: the lookup and check of a step that read `files` files (the
// entry read from PostgreSQL, its record parsed, every file hashed), p50/p99
// over `lookups` lookups.
//
// The goal: at most 0.5 ms per cached step; a live durable step cost
// Restate 2.2 ms p50 on this machine.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "bench/stats.hpp"
#include "bench/workflow_node.hpp"
#include "runtime/step_cache/check.hpp"
#include "runtime/step_cache/recorder.hpp"
#include "runtime/tools/tool_registry.hpp"
#include "storage/step_cache_repository.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using namespace std::chrono;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// The gaps (ms) between consecutive cache hits of run `id`, by their
/// traces, and each hit's own lookup, check and restore (its latency).
void hit_gaps(const std::string& conninfo, const std::string& id, std::vector<double>& gaps,
              std::vector<double>& lookups) {
  pqxx::connection c{conninfo};
  pqxx::nontransaction tx{c};
  auto rows = tx.exec_params(
    "SELECT extract(epoch FROM finished_at) * 1000, latency_ms FROM tool_traces WHERE"
    " kind = 'cache' AND parent_id = $1 ORDER BY finished_at",
    id);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    lookups.push_back(rows[i][1].as<double>());
    if (i > 0)
      gaps.push_back(rows[i][0].as<double>() - rows[i - 1][0].as<double>());
  }
}

/// Lookup and check of a step that read `files` files, `lookups` times.
void lookup_and_check(const std::string& conninfo, const fs::path& dir, int files, int lookups) {
  auto ws = dir / "read-ws";
  fs::create_directories(ws);
  auto rec = std::make_shared<step_cache::recorder>(ws, step_cache::record_limits{});
  tools::tool_context ctx;
  ctx.workspace = ws;
  ctx.observer = rec;
  for (int i = 0; i < files; ++i) {
    auto name = "src/file" + std::to_string(i) + ".cpp";
    fs::create_directories((ws / name).parent_path());
    std::ofstream(ws / name) << std::string(4000, static_cast<char>('a' + i % 26)) << "\n";
    tools::execute("read_file", json{{"path", name}}, ctx);
  }
  auto record = std::get<step_cache::step_record>(rec->finish());
  storage::step_cache_repository repo{conninfo};
  storage::cache_entry e;
  e.key = "bench-50-files";
  e.workspace = ws.string();
  e.workflow = "bench";
  e.path = "agent-0";
  e.result = "done";
  e.step_id = "s_bench";
  e.record = step_cache::to_json(record);
  repo.store(e);
  std::vector<double> ms;
  for (int i = 0; i < lookups; ++i) {
    auto t0 = steady_clock::now();
    auto found = repo.find(e.key, hours(1));
    auto r = step_cache::record_from_json(found->record);
    if (step_cache::check(ws, r)) {
      std::fprintf(stderr, "the entry did not hold\n");
      return;
    }
    ms.push_back(duration<double, std::milli>(steady_clock::now() - t0).count());
  }
  std::printf("lookup and check of a step that read %d files (4 KiB each): p50 %.3f ms, p99 "
              "%.3f ms\n",
              files, bench::percentile(ms, 0.5), bench::percentile(ms, 0.99));
}

} // namespace

int main(int argc, char** argv) {
  const int steps = argc > 1 ? std::atoi(argv[1]) : 100;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  const int files = argc > 3 ? std::atoi(argv[3]) : 50;
  const int lookups = argc > 4 ? std::atoi(argv[4]) : 200;
  test::temp_dir dir{"boocode-bench"};
  bench::workflow_node node{dir.path()};

  const auto n = std::to_string(steps);
  const std::string serial =
    "export const meta = { name: 'serial', description: 'agents in a row' };\n"
    "for (let i = 0; i < " +
    n + "; i++) await agent('step ' + i);\nreturn " + n + ";";
  std::vector<double> live;
  for (int r = 0; r < rounds; ++r) {
    auto [id, ms] = node.run(serial, {{"cache", "off"}});
    if (id.empty())
      return 1;
    live.push_back(ms / steps);
  }
  if (node.run(serial).first.empty()) // fills the cache
    return 1;
  std::vector<double> cached_runs;
  std::vector<double> gaps;
  std::vector<double> hit_ms;
  for (int r = 0; r < rounds; ++r) {
    auto [id, ms] = node.run(serial);
    if (id.empty())
      return 1;
    cached_runs.push_back(ms / steps);
    hit_gaps(node.conninfo(), id, gaps, hit_ms);
  }
  auto live_p50 = bench::percentile(live, 0.5);
  auto cached_p50 = bench::percentile(cached_runs, 0.5);
  std::printf("%d agents in a row, cache off: p50 %.2f ms per step (run wall / steps)\n", steps,
              live_p50);
  std::printf("the same, every step cached: p50 %.2f ms per step (run wall / steps, POST to "
              "completed)\n",
              cached_p50);
  std::printf("cached step to cached step (%zu gaps): p50 %.3f ms, p99 %.3f ms (goal <= 0.5 ms; "
              "Restate's live durable step: 2.2 ms p50)\n",
              gaps.size(), bench::percentile(gaps, 0.5), bench::percentile(gaps, 0.99));
  std::printf("  of which the lookup, check and restore: p50 %.3f ms, p99 %.3f ms\n",
              bench::percentile(hit_ms, 0.5), bench::percentile(hit_ms, 0.99));
  std::printf("ratio live / cached per step: %.1fx\n", live_p50 / cached_p50);
  lookup_and_check(node.conninfo(), dir.path(), files, lookups);
  return 0;
}
