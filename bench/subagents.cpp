// Background subagents on one node: a real node on its own PostgreSQL and a
// fake model that answers each agent by what it sends.
//
//   build/bin/bench_subagents [spawns=200] [at_once=100] [steps=5] [model_ms=300]
//
// 1. Spawn latency: one chat spawns `spawns` subagents one after another (a
//    spawn per model reply); for each, the time from its spawn_subagent call's
//    start to its own first model call's start (both from the traces).
// 2. `at_once` subagents running together: one reply spawns them all; each
//    takes `steps` model calls (list_dir between them), every model answer
//    held `model_ms` so all of them run at the same time. Prints the node's
//    heap, RSS and threads per running subagent, and the orchestration
//    overhead per step: from a model call's end to the next one's start, less
//    the tool's own time (journal, checkpoint, events, scheduling).
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "bench/database.hpp"
#include "runtime/poll.hpp"
#include "tests/support/fake_model_server.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/load_driver.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using namespace std::chrono;
using nlohmann::json;

namespace {

int threads_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Threads:", 0) == 0)
      return std::stoi(line.substr(8));
  return -1;
}

json health(const test::endpoint& to) {
  return test::http_call(to, "GET", "/api/health").json();
}

std::string content_of(const json& m) {
  auto it = m.find("content");
  return it != m.end() && it->is_string() ? it->get<std::string>() : "";
}

bool from_subagent(const json& body) {
  return content_of(body["messages"][0]).find("background subagent") != std::string::npos;
}

/// spawn_subagent calls the conversation made so far.
int spawns_made(const json& body) {
  int n = 0;
  for (const auto& m : body["messages"])
    if (m["role"] == "assistant" && m.contains("tool_calls") && m["tool_calls"].is_array())
      n += static_cast<int>(m["tool_calls"].size());
  return n;
}

/// Model replies so far since the last user message.
int replies_since_user(const json& body) {
  int n = 0;
  for (const auto& m : body["messages"]) {
    if (m["role"] == "user")
      n = 0;
    else if (m["role"] == "assistant")
      ++n;
  }
  return n;
}

json spawn(int i) {
  return {{"description", "task " + std::to_string(i)},
          {"prompt", "Task " + std::to_string(i) + ": look around."}};
}

/// p50 and p99 of `values`.
std::pair<double, double> percentiles(std::vector<double> values) {
  if (values.empty())
    return {0, 0};
  std::sort(values.begin(), values.end());
  auto at = [&](double q) {
    return values[std::min(values.size() - 1, static_cast<size_t>(q * values.size()))];
  };
  return {at(0.5), at(0.99)};
}

/// One column of doubles from `sql`.
std::vector<double> column(const std::string& conninfo, const std::string& sql) {
  std::vector<double> out;
  for (const auto& row : test::rows_of(conninfo, sql))
    out.push_back(std::stod(row));
  return out;
}

} // namespace

int main(int argc, char** argv) {
  int spawns = argc > 1 ? std::atoi(argv[1]) : 200;
  int at_once = argc > 2 ? std::atoi(argv[2]) : 100;
  int steps = argc > 3 ? std::atoi(argv[3]) : 5;
  auto model_ms = milliseconds(argc > 4 ? std::atoi(argv[4]) : 300);
  test::temp_dir dir{"boocode-bench"};
  auto workspace = dir / "ws";
  std::filesystem::create_directories(workspace);
  std::ofstream(workspace / "a.txt") << "a";
  auto pg = bench::start_database(dir / "pg");
  auto conninfo = pg->conninfo();

  std::atomic<bool> hold{false}; // phase 2: model answers wait model_ms
  test::fake_model_server model;
  model.set_request_log_limit(16);
  model.set_responder([&](const json& body) -> std::optional<test::fake_reply> {
    auto last = body["messages"].back();
    test::fake_reply r;
    if (from_subagent(body)) {
      if (hold)
        std::this_thread::sleep_for(model_ms);
      if (replies_since_user(body) + 1 < steps)
        r.tool_calls.emplace_back("list_dir", R"({"path":"."})");
      else
        r.text = "done";
      return r;
    }
    auto opening = content_of(body["messages"][1]);
    // Notifications come as user messages: count what the chat spawned instead.
    if (opening == "one by one" && spawns_made(body) < spawns) {
      r.tool_calls.emplace_back("spawn_subagent", spawn(spawns_made(body)).dump());
      return r;
    }
    if (opening == "all at once" && spawns_made(body) == 0) {
      for (int i = 0; i < at_once; ++i)
        r.tool_calls.emplace_back("spawn_subagent", spawn(i).dump());
      return r;
    }
    r.text = "noted";
    return r;
  });

  auto limit = std::to_string(std::max({spawns, at_once, 1}) + 1);
  test::node_process node{{"serve",
                           "--listen",
                           "127.0.0.1:0",
                           "--data-dir",
                           (dir / "data").string(),
                           "--database-url",
                           conninfo,
                           "--model-base-url",
                           model.base_url(),
                           "--model",
                           "bench",
                           "--log-level",
                           "warn",
                           "--subagents-per-chat",
                           limit,
                           "--subagents-per-node",
                           limit,
                           "--subagent-spawns-per-turn",
                           limit,
                           "--turn-model-calls",
                           limit},
                          dir / "node.log"};
  node.wait_ready();
  auto to = node.address();
  auto new_chat = [&](const std::string& first) {
    auto id =
      test::http_call(to, "POST", "/api/chats", json{{"workspace", workspace.string()}}.dump())
        .json()["id"]
        .get<std::string>();
    test::http_call(to, "POST", "/api/chats/" + id + "/messages", json{{"text", first}}.dump());
    return id;
  };
  auto ended = [&](const std::string& chat, int n) {
    return test::count_of(conninfo, "SELECT count(*) FROM tasks WHERE chat_id = '" + chat +
                                      "' AND state = 'completed'") >= n;
  };

  // 1. Spawn to first model call.
  auto one = new_chat("one by one");
  if (!poll_until(seconds(600), [&] { return ended(one, spawns); })) {
    std::fprintf(stderr, "timed out: the spawned tasks did not end\n");
    return 1;
  }
  poll_until(seconds(10), [&] {
    return test::count_of(conninfo, "SELECT count(*) FROM tool_traces WHERE actor_kind = "
                                    "'subagent' AND kind = 'model'") >= spawns;
  });
  // The k-th spawn call made the k-th task (one at a time: in order).
  auto latency = column(
    conninfo,
    "WITH s AS (SELECT started_at, row_number() OVER (ORDER BY started_at) AS n FROM tool_traces "
    "WHERE actor_id = '" +
      one +
      "' AND tool_name = 'spawn_subagent'), t AS (SELECT id, row_number() OVER (ORDER BY "
      "created_at, id) AS n FROM tasks WHERE chat_id = '" +
      one +
      "'), f AS (SELECT actor_id, min(started_at) AS first FROM tool_traces WHERE kind = 'model' "
      "AND actor_kind = 'subagent' GROUP BY actor_id) SELECT extract(epoch FROM f.first - "
      "s.started_at) * 1000 FROM s JOIN t USING (n) JOIN f ON f.actor_id = t.id");
  auto [spawn_p50, spawn_p99] = percentiles(latency);

  // 2. Many at once.
  auto idle = health(to);
  int idle_threads = threads_of(node.pid());
  hold = true;
  auto start = steady_clock::now();
  auto many = new_chat("all at once");
  json busy;
  int busy_threads = 0;
  poll_until(seconds(600), [&] {
    busy = health(to);
    busy_threads = threads_of(node.pid());
    return test::count_of(conninfo, "SELECT count(*) FROM tasks WHERE chat_id = '" + many +
                                      "' AND state = 'running'") >= at_once;
  });
  if (!poll_until(seconds(900), [&] { return ended(many, at_once); })) {
    std::fprintf(stderr, "timed out: the %d tasks did not end\n", at_once);
    return 1;
  }
  auto all_ended = duration<double>(steady_clock::now() - start).count();
  poll_until(seconds(10), [&] {
    return test::count_of(conninfo, "SELECT count(*) FROM tool_traces t JOIN tasks k ON k.id = "
                                    "t.actor_id WHERE k.chat_id = '" +
                                      many + "' AND t.kind = 'model'") >= at_once * steps;
  });
  // Per subagent, its calls in order: a step's overhead is the gap from a
  // model call's end to the next model call's start, less its tool's time.
  auto overhead = column(
    conninfo, "WITH c AS (SELECT t.actor_id, t.kind, t.started_at, t.finished_at, t.latency_ms, "
              "lead(t.started_at) OVER w AS next_start, lead(t.latency_ms) OVER w AS tool_ms, "
              "lead(t.kind) OVER w AS next_kind, lead(t.started_at, 2) OVER w AS model_start "
              "FROM tool_traces t JOIN tasks k ON k.id = t.actor_id WHERE k.chat_id = '" +
                many +
                "' WINDOW w AS (PARTITION BY t.actor_id ORDER BY t.started_at)) SELECT "
                "extract(epoch FROM model_start - finished_at) * 1000 - tool_ms FROM c WHERE "
                "kind = 'model' AND next_kind = 'tool' AND model_start IS NOT NULL");
  auto [over_p50, over_p99] = percentiles(overhead);
  node.signal(SIGTERM);
  node.wait_exit(seconds(60));

  auto per = [&](const char* what) {
    return static_cast<double>(busy["memory"][what].get<int64_t>() -
                               idle["memory"][what].get<int64_t>()) /
           at_once / 1024.0;
  };
  std::printf("spawn → the subagent's first model call (%zu spawns, one at a time): p50 %.1f ms, "
              "p99 %.1f ms\n",
              latency.size(), spawn_p50, spawn_p99);
  std::printf("%d subagents at once, %d model calls each (answers held %lld ms): all ended after "
              "%.1f s\n",
              at_once, steps, static_cast<long long>(model_ms.count()), all_ended);
  std::printf("per running subagent: heap %.1f KiB, RSS %.1f KiB; node threads %d idle, %d with "
              "%d running (turns running %lld)\n",
              per("heap_bytes"), per("rss_bytes"), idle_threads, busy_threads, at_once,
              static_cast<long long>(busy["sessions"]["turns_running"].get<int64_t>()));
  std::printf("orchestration overhead per step (%zu steps: model call end → next model call "
              "start, less the tool): p50 %.2f ms, p99 %.2f ms\n",
              overhead.size(), over_p50, over_p99);
  return latency.size() == static_cast<size_t>(spawns) ? 0 : 1;
}
