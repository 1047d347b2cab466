// How long a chat is unavailable when its node fails: a three-node cluster on
// one PostgreSQL (its own, under a temp dir, or BENCH_DATABASE_URL), with the
// default heartbeat (1 s) and node timeout (3 s). Each trial creates a chat on
// node B and uses it through node A, then fails B and at once posts the next
// message through A; the figure is the time from the failure to the moment the
// browser on A has the answer (a survivor took the chat over and served the
// turn). Failures: kill -9 (the other nodes see the connection drop and
// confirm against the database) and SIGSTOP (a hung node: its heartbeat must
// lapse). B is restarted between trials.
//
//   ninja -C build bench && build/bin/bench_failover [trials=20] [kill|stop|both]
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/cluster.hpp"
#include "bench/stats.hpp"
#include "runtime/poll.hpp"
#include "storage/embedded_postgres.hpp"
#include "storage/migrations.hpp"
#include "storage/session_repository.hpp"
#include "tests/support/fake_model_server.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using namespace std::chrono;
using nlohmann::json;

namespace {

/// Reads frames until the answer is there: a turn_end, or a snapshot of the
/// idle chat holding `answer`. False on timeout.
bool until_answered(test::ws_client& ws, const std::string& answer, milliseconds timeout) {
  auto deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    auto text = ws.read_text(duration_cast<milliseconds>(deadline - steady_clock::now()));
    if (!text)
      return false;
    auto f = json::parse(*text);
    if (f["type"] == "turn_end")
      return true;
    if (f["type"] == "snapshot" && f["status"] == "idle" && f.contains("messages"))
      for (auto& m : f["messages"])
        if (m["role"] == "assistant" && m["content"] == answer)
          return true;
  }
  return false;
}

/// One trial; the seconds from the failure to the answer, or a negative
/// number when it failed.
double trial(bench::cluster& c, int n, int sig) {
  auto a = c.to("node-a");
  // The chat: placed on the least-loaded node, which a fresh B is.
  std::string chat;
  storage::session_repository leases{c.conninfo};
  for (int i = 0; i < 6 && chat.empty(); ++i) {
    auto res =
      test::http_call(a, "POST", "/api/chats", json{{"workspace", c.workspace.string()}}.dump());
    auto id = res.json()["id"].get<std::string>();
    auto on_b = leases.leases_of("node-b");
    if (std::find(on_b.begin(), on_b.end(), id) != on_b.end())
      chat = id;
  }
  if (chat.empty())
    return -1;
  test::ws_client ws{a};
  ws.read_text(); // hello
  ws.send_text(json{{"type", "subscribe"}, {"chat_id", chat}}.dump());
  c.model.enqueue(test::fake_reply::text_reply("warm"));
  ws.send_text(json{{"type", "user_message"},
                    {"chat_id", chat},
                    {"text", "warm up"},
                    {"client_id", fmt::format("w{}", n)}}
                 .dump());
  if (!until_answered(ws, "warm", seconds(30)))
    return -1;
  auto answer = fmt::format("answer {}", n);
  c.model.enqueue(test::fake_reply::text_reply(answer));
  auto t0 = steady_clock::now();
  c.nodes.at("node-b")->signal(sig);
  ws.send_text(json{{"type", "user_message"},
                    {"chat_id", chat},
                    {"text", "after the failure"},
                    {"client_id", fmt::format("f{}", n)}}
                 .dump());
  bool ok = until_answered(ws, answer, seconds(60));
  auto s = duration<double>(steady_clock::now() - t0).count();
  if (!ok) // what the nodes saw, to find out why
    for (auto& [id, node] : c.nodes)
      fmt::print(stderr, "---- trial {} failed ({}), chat {}; {}:\n{}\n", n, strsignal(sig), chat,
                 id, node->output());
  // B back for the next trial: a new process under the same id.
  c.nodes.at("node-b")->signal(SIGKILL);
  c.nodes.at("node-b")->wait_exit(seconds(20));
  auto seen_a = c.connections("node-a", "node-b"), seen_c = c.connections("node-c", "node-b");
  c.start("node-b");
  // Its peers connect at their next heartbeat: wait, so the next trial
  // measures the cluster as it runs, not a node that just joined.
  poll_until(seconds(10), [&] {
    return c.connections("node-a", "node-b") > seen_a && c.connections("node-c", "node-b") > seen_c;
  });
  return ok ? s : -1;
}

void report(const char* what, const std::vector<double>& s, double goal) {
  auto p50 = bench::percentile(s, 0.5), p99 = bench::percentile(s, 0.99);
  fmt::print("{}: {} trials, p50 {:.2f} s, p99 {:.2f} s, max {:.2f} s (goal p99 < {:.0f} s: "
             "{:.2f} of it; Orleans ~15 s, Akka ~45 s)\n",
             what, s.size(), p50, p99, *std::max_element(s.begin(), s.end()), goal, p99 / goal);
}

} // namespace

int main(int argc, char** argv) {
  int trials = argc > 1 ? std::atoi(argv[1]) : 20;
  std::string mode = argc > 2 ? argv[2] : "both";
  bench::cluster c{"boocode-bench-failover"};
  poll_until(seconds(10), [&] {
    return c.connections("node-a", "node-b") > 0 && c.connections("node-c", "node-b") > 0;
  });
  for (auto [name, sig, goal] : {std::tuple{"kill -9", SIGKILL, 3.0}, {"SIGSTOP", SIGSTOP, 10.0}}) {
    if (mode != "both" && (mode == "kill") != (sig == SIGKILL))
      continue;
    std::vector<double> s;
    int failed = 0;
    for (int n = 0; n < trials; ++n) {
      auto t = trial(c, n + (sig == SIGKILL ? 0 : 1000), sig);
      if (t < 0)
        ++failed;
      else
        s.push_back(t);
    }
    if (failed > 0)
      fmt::print("{}: {} trial(s) got no answer within 60 s\n", name, failed);
    if (!s.empty())
      report(name, s, goal);
  }
  return 0;
}
