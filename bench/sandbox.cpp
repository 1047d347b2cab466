// Sandbox cost: the time to run /bin/true through run_command, sandboxed
// (namespaces, mounts, limits, a pids cgroup when the node has one) and not,
// alternating so both see the same machine; prints p50 and p99 of each and
// the time the sandbox adds (goal: under 5 ms at p50).
//
//   ninja -C build bench && build/bin/bench_sandbox [runs]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/stats.hpp"
#include "runtime/tools/run_command.hpp"
#include "runtime/tools/sandbox.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using clock_type = std::chrono::steady_clock;

namespace {

double run_once(const tools::command_request& req) {
  auto start = clock_type::now();
  auto res = tools::run_command(req);
  double ms = std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
  if (res.outcome != tools::tool_outcome::ok || res.exit_code != 0) {
    std::fprintf(stderr, "/bin/true failed: %s%s\n", res.error.c_str(), res.output.c_str());
    std::exit(1);
  }
  return ms;
}

} // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 500;
  test::temp_dir data{"boocode-bench-data"};
  test::temp_dir ws{"boocode-bench-ws"};
  auto policy = std::make_shared<tools::sandbox_policy>();
  policy->hidden = tools::default_hidden_paths(data.path());
  auto groups = tools::pids_cgroups::open();
  if (auto* g = std::get_if<std::shared_ptr<tools::pids_cgroups>>(&groups))
    policy->cgroups = *g;
  tools::command_request plain{.argv = {"/bin/true"}, .cwd = ws.path()};
  auto boxed = plain;
  boxed.sandbox = policy;
  for (int i = 0; i < 20; ++i) { // warm up the page cache and the allocator
    run_once(plain);
    run_once(boxed);
  }
  std::vector<double> bare, sandboxed;
  for (int i = 0; i < runs; ++i) {
    bare.push_back(run_once(plain));
    sandboxed.push_back(run_once(boxed));
  }
  double p50 = bench::percentile(bare, 0.5), p99 = bench::percentile(bare, 0.99);
  double s50 = bench::percentile(sandboxed, 0.5), s99 = bench::percentile(sandboxed, 0.99);
  fmt::print("/bin/true through run_command, {} runs each ({})\n", runs,
             policy->cgroups ? "with a pids cgroup" : "no pids cgroup");
  fmt::print("  unconfined: p50 {:.2f} ms, p99 {:.2f} ms\n", p50, p99);
  fmt::print("  sandboxed:  p50 {:.2f} ms, p99 {:.2f} ms\n", s50, s99);
  fmt::print("  added:      p50 {:.2f} ms (goal < 5), p99 {:.2f} ms; ratio {:.2f}\n", s50 - p50,
             s99 - p99, s50 / p50);
  return 0;
}
