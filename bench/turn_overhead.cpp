// Orchestrator overhead per agent turn: everything a turn costs except the
// model's own time. A real node (embedded PostgreSQL) talks to the fake model
// server, which streams every reply at a fixed pace; each turn is one user
// message over the WebSocket → model call → write_file → model call →
// run_command → model call → answer. Overhead = turn wall time (user_message
// sent → turn_end received) − the time the fake model spent answering.
//
//   build/bin/bench_turn_overhead [turns=20] [event_interval_ms=5]
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "tests/support/fake_model_server.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using namespace std::chrono;
using nlohmann::json;

int main(int argc, char** argv) {
  int turns = argc > 1 ? std::atoi(argv[1]) : 20;
  auto interval = milliseconds(argc > 2 ? std::atoi(argv[2]) : 5);
  test::temp_dir dir{"boocode-bench"};
  auto workspace = dir / "ws";
  std::filesystem::create_directories(workspace);
  std::filesystem::permissions(workspace, std::filesystem::perms::all);
  test::fake_model_server model;
  std::vector<std::string> args{"serve",
                                "--listen",
                                "127.0.0.1:0",
                                "--data-dir",
                                (dir / "data").string(),
                                "--model-base-url",
                                model.base_url(),
                                "--model",
                                "bench",
                                "--log-level",
                                "warn"};
  if (const char* url = std::getenv("BENCH_DATABASE_URL")) { // default: the embedded database
    args.emplace_back("--database-url");
    args.emplace_back(url);
  }
  test::node_process node{args, dir / "node.log"};
  node.wait_ready();
  auto to = node.address();
  auto chat =
    test::http_call(to, "POST", "/api/chats", json{{"workspace", workspace.string()}}.dump())
      .json()["id"]
      .get<std::string>();
  test::ws_client ws{to};
  ws.read_text(); // hello
  auto paced = [&](test::fake_reply r) {
    r.interval = interval;
    r.usage = {{"prompt_tokens", 1000}, {"completion_tokens", 50}};
    return r;
  };
  std::vector<double> overhead_ms, share;
  for (int t = 0; t <= turns; ++t) { // turn 0 warms up
    model.enqueue(paced(test::fake_reply::tool_reply(
      "write_file", json{{"path", "f.txt"}, {"content", std::string(2000, 'x')}}.dump())));
    model.enqueue(paced(test::fake_reply::tool_reply("run_command", R"({"argv":["true"]})")));
    model.enqueue(paced(test::fake_reply::text_reply("Done: wrote f.txt and ran true.")));
    auto busy_before = model.busy_time();
    auto start = steady_clock::now();
    ws.send_text(json{{"type", "user_message"},
                      {"chat_id", chat},
                      {"text", "go"},
                      {"client_id", "b" + std::to_string(t)}}
                   .dump());
    for (;;) {
      auto frame = ws.read_text(seconds(60));
      if (!frame) {
        std::fprintf(stderr, "no turn_end; node output:\n%s\n", node.output().c_str());
        return 1;
      }
      auto j = json::parse(*frame);
      if (std::getenv("BENCH_TRACE") != nullptr && t == turns && j["type"] != "assistant_delta")
        std::printf("%8.2f ms  %s\n",
                    duration<double, std::milli>(steady_clock::now() - start).count(),
                    j["type"].get<std::string>().c_str());
      if (j["type"] == "turn_end") {
        if (j["outcome"] != "completed") {
          std::fprintf(stderr, "turn ended %s\n", j.dump().c_str());
          return 1;
        }
        break;
      }
    }
    auto wall = duration<double, std::milli>(steady_clock::now() - start).count();
    auto model_ms = duration<double, std::milli>(model.busy_time() - busy_before).count();
    if (t > 0) {
      overhead_ms.push_back(wall - model_ms);
      share.push_back((wall - model_ms) / wall);
    }
  }
  std::sort(overhead_ms.begin(), overhead_ms.end());
  double mean = 0, mean_share = 0;
  for (size_t i = 0; i < overhead_ms.size(); ++i) {
    mean += overhead_ms[i];
    mean_share += share[i];
  }
  mean /= static_cast<double>(overhead_ms.size());
  mean_share /= static_cast<double>(share.size());
  auto pct = [&](double p) {
    return overhead_ms[std::min(overhead_ms.size() - 1,
                                static_cast<size_t>(p * static_cast<double>(overhead_ms.size())))];
  };
  std::printf("turns: %d (3 model calls, 2 tools each), model event interval %lld ms\n", turns,
              static_cast<long long>(interval.count()));
  std::printf("orchestrator overhead per turn: mean %.2f ms, p50 %.2f ms, p90 %.2f ms\n", mean,
              pct(0.5), pct(0.9));
  std::printf("overhead share of the turn: %.1f %%\n", 100.0 * mean_share);
  node.signal(SIGTERM);
  node.wait_exit(seconds(20));
  return 0;
}
