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

#include "bench/stats.hpp"
#include "bench/workflow_node.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;

int main(int argc, char** argv) {
  const int steps = argc > 1 ? std::atoi(argv[1]) : 100;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  test::temp_dir dir{"boocode-bench"};
  bench::workflow_node node{dir.path()};

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
      auto [id, ms] = node.run(script);
      if (id.empty())
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
