// BooCode's own cost per agent step: everything a turn takes except the
// model's time. A real node (its embedded PostgreSQL, fsync on) talks to the
// fake model server, which answers at once; every turn is the 3-step turn of
// the comparison with LangGraph and Restate: model → read_file → model →
// write_file → model. One chat takes every turn, so the figures at turn 10,
// 100 and 1,000 show whether the cost grows with the chat.
//
//   build/bin/bench_turn_overhead [turns=300] [event_interval_ms=0] [one-write|per-event]
//
// The fake model answers at once: with no interval it writes each streamed
// reply in one go, as a server with the answer ready would (one-write). With
// per-event it writes each SSE event (4 characters of text or arguments) on
// its own: the 2,000-character write_file call becomes 500 TCP segments in a
// burst, and the node's cost of reading them (about 13 µs each here, mostly
// the kernel's) falls on the turn's path, where with a real model it hides
// between the model's tokens.
//
// Overhead per turn = wall time (user_message sent → turn_end received) −
// the fake model's busy time (from a request's first byte to its answer's
// last byte) − the tools' own time (their spans' latency_ms in the
// tool_trace_finish frames: a small file read, and a write with its fsync;
// not the "journal" calls, which are BooCode's waits for its commits);
// per step = that / 3. BENCH_TRACE=1 prints, for every frame of a turn but
// the deltas, the median time from the user message to it over all turns:
// where the time goes.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "bench/stats.hpp"
#include "tests/support/fake_model_server.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using namespace std::chrono;
using nlohmann::json;

namespace {

// The figures this machine measured for the same turn (issue 14).
constexpr double before_p50 = 12.1, before_p99 = 41;
constexpr double langgraph_p50 = 12.6, langgraph_p99 = 21;
constexpr double restate_p50 = 3.2, restate_p99 = 10;

/// Mean of v[from, to) (clamped).
double mean_of(const std::vector<double>& v, size_t from, size_t to) {
  to = std::min(to, v.size());
  if (from >= to)
    return 0;
  double sum = 0;
  for (size_t i = from; i < to; ++i)
    sum += v[i];
  return sum / static_cast<double>(to - from);
}

/// A frame of a turn: its type (and tool), when it came (ms after the user
/// message), and the latency the node measured (trace_finish frames; else -1).
struct stamp {
  std::string what;
  double at;
  double latency;
};

/// For each frame of a turn, the median time it came at over the turns whose
/// frames came in the same order as the last one's.
void print_median_timeline(const std::vector<std::vector<stamp>>& turns) {
  if (turns.empty())
    return;
  const auto& shape = turns.back();
  std::vector<std::vector<double>> at(shape.size()), latency(shape.size());
  for (const auto& turn : turns) {
    bool same = turn.size() == shape.size() &&
                std::equal(turn.begin(), turn.end(), shape.begin(),
                           [](const auto& a, const auto& b) { return a.what == b.what; });
    for (size_t i = 0; same && i < turn.size(); ++i) {
      at[i].push_back(turn[i].at);
      latency[i].push_back(turn[i].latency);
    }
  }
  std::printf("median time from the user message (%zu turns):\n", at[0].size());
  for (size_t i = 0; i < shape.size(); ++i)
    if (auto l = bench::percentile(latency[i], 0.5); l >= 0)
      std::printf("%8.2f ms  %s (%.2f ms in the node)\n", bench::percentile(at[i], 0.5),
                  shape[i].what.c_str(), l);
    else
      std::printf("%8.2f ms  %s\n", bench::percentile(at[i], 0.5), shape[i].what.c_str());
}

} // namespace

int main(int argc, char** argv) {
  int turns = argc > 1 ? std::atoi(argv[1]) : 300;
  auto interval = milliseconds(argc > 2 ? std::atoi(argv[2]) : 0);
  bool per_event = argc > 3 && std::string_view(argv[3]) == "per-event";
  test::temp_dir dir{"boocode-bench"};
  auto workspace = dir / "ws";
  std::filesystem::create_directories(workspace);
  std::filesystem::permissions(workspace, std::filesystem::perms::all);
  std::ofstream(workspace / "notes.txt") << std::string(2000, 'n');
  test::fake_model_server model;
  model.set_request_log_limit(4); // a long chat's requests are megabytes each
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
    r.one_write = !per_event;
    r.usage = {{"prompt_tokens", 1000}, {"completion_tokens", 50}};
    return r;
  };
  std::vector<double> per_step; // one figure a turn, in turn order
  // BENCH_TRACE: each turn's frames but the deltas, and when they came.
  std::vector<std::vector<stamp>> timelines;
  // BENCH_TRACE: per turn, its wall time, the fake model's busy time, the
  // node's model spans less that, the tools' time and the journal waits.
  std::vector<double> parts[5];
  for (int t = 0; t <= turns; ++t) { // turn 0 warms up
    model.enqueue(paced(test::fake_reply::tool_reply("read_file", R"({"path":"notes.txt"})")));
    model.enqueue(paced(test::fake_reply::tool_reply(
      "write_file", json{{"path", "out.txt"}, {"content", std::string(2000, 'x')}}.dump())));
    model.enqueue(paced(test::fake_reply::text_reply("Done: read notes.txt, wrote out.txt.")));
    auto busy_before = model.busy_time();
    double tools_ms = 0, journal_ms = 0, node_model_ms = 0;
    auto start = steady_clock::now();
    std::vector<stamp> timeline;
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
      if (j["type"] != "assistant_delta")
        timeline.push_back({j["type"].get<std::string>() +
                              (j.contains("tool") ? " " + j["tool"].get<std::string>() : ""),
                            duration<double, std::milli>(steady_clock::now() - start).count(),
                            j.value("latency_ms", -1.0)});
      // The tools' own time; a "journal" call is BooCode's (its commits): overhead.
      if (j["type"] == "tool_trace_finish")
        (j["tool"] == "journal" ? journal_ms : tools_ms) += j["latency_ms"].get<double>();
      if (j["type"] == "model_trace_finish")
        node_model_ms += j["latency_ms"].get<double>();
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
      per_step.push_back((wall - model_ms - tools_ms) / 3);
      parts[0].push_back(wall);
      parts[1].push_back(model_ms);
      parts[2].push_back(node_model_ms - model_ms);
      parts[3].push_back(tools_ms);
      parts[4].push_back(journal_ms);
      timelines.push_back(std::move(timeline));
    }
  }
  if (std::getenv("BENCH_TRACE") != nullptr) {
    print_median_timeline(timelines);
    std::printf("median per turn: wall %.2f ms, model (the fake's busy time) %.2f ms, the node's "
                "model spans beyond that %.2f ms, tools %.2f ms, journal waits %.2f ms\n",
                bench::percentile(parts[0], 0.5), bench::percentile(parts[1], 0.5),
                bench::percentile(parts[2], 0.5), bench::percentile(parts[3], 0.5),
                bench::percentile(parts[4], 0.5));
  }
  auto p50 = bench::percentile(per_step, 0.5);
  auto p99 = bench::percentile(per_step, 0.99);
  std::printf("turns: %d of 3 steps (model -> read_file -> model -> write_file -> model), "
              "model event interval %lld ms, %s\n",
              turns, static_cast<long long>(interval.count()),
              per_event ? "one write per event" : "each reply in one write");
  std::printf("overhead per step: p50 %.2f ms, p99 %.2f ms (goal <= 1.5 / 5 ms)\n", p50, p99);
  std::printf("  vs before this issue %.1f / %.0f ms: x%.2f / x%.2f\n", before_p50, before_p99,
              p50 / before_p50, p99 / before_p99);
  std::printf("  vs LangGraph.js + PostgresSaver %.1f / %.0f ms: x%.2f / x%.2f\n", langgraph_p50,
              langgraph_p99, p50 / langgraph_p50, p99 / langgraph_p99);
  std::printf("  vs Restate %.1f / %.0f ms: x%.2f / x%.2f\n", restate_p50, restate_p99,
              p50 / restate_p50, p99 / restate_p99);
  // Turns 6-15, 96-105 and 996-1005 (those that ran): the cost as the chat grows.
  std::printf("turn overhead (3 steps) at turn 10: %.2f ms", 3 * mean_of(per_step, 5, 15));
  for (size_t at : {100, 1000})
    if (per_step.size() >= at)
      std::printf(", at turn %zu: %.2f ms (x%.2f)", at, 3 * mean_of(per_step, at - 5, at + 5),
                  mean_of(per_step, at - 5, at + 5) / mean_of(per_step, 5, 15));
  std::printf("\n");
  node.signal(SIGTERM);
  node.wait_exit(seconds(20));
  return 0;
}
