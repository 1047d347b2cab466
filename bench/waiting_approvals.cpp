// Many chats waiting for approvals at once on one node: a real node on its own
// PostgreSQL, a fake model whose first answer to every chat is a command (in
// ask mode it waits for a user), then a text. Creates N chats in ask mode,
// gives each a message, waits until every one holds a pending approval, then
// answers them all over REST and waits for every turn to end.
//
//   build/bin/bench_waiting_approvals [chats=2000] [clients=8]
//
// Prints: the node's threads idle and with N approvals waiting (a waiting turn
// must hold no thread), turns running while they wait, database connections
// (most seen, against the node's budget), heap and RSS per waiting chat, the
// time for all N to be waiting, and answers → every turn ended (answers/s).
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

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

/// The threads process `pid` runs now (from /proc).
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

double seconds_since(steady_clock::time_point t) {
  return duration<double>(steady_clock::now() - t).count();
}

} // namespace

int main(int argc, char** argv) {
  int chats = argc > 1 ? std::atoi(argv[1]) : 2000;
  int clients = argc > 2 ? std::atoi(argv[2]) : 8;
  test::temp_dir dir{"boocode-bench"};
  auto workspace = dir / "ws";
  std::filesystem::create_directories(workspace);
  auto pg = bench::start_database(dir / "pg");
  auto conninfo = pg->conninfo();
  test::fake_model_server model;
  // Every chat's first call gets a command (all N ask before any is answered),
  // every second call a text.
  for (int i = 0; i < chats; ++i)
    model.enqueue(test::fake_reply::tool_reply("run_command", R"({"argv":["true"]})"));
  for (int i = 0; i < chats; ++i)
    model.enqueue(test::fake_reply::text_reply("ran"));

  test::connection_sampler sampler{conninfo};
  test::node_process node{{"serve", "--listen", "127.0.0.1:0", "--data-dir",
                           (dir / "data").string(), "--database-url", conninfo, "--model-base-url",
                           model.base_url(), "--model", "bench", "--passivate-after", "0",
                           "--log-level", "warn"},
                          dir / "node.log"};
  node.wait_ready();
  auto to = node.address();
  auto idle = health(to);
  int idle_threads = threads_of(node.pid());
  auto budget = idle["database"]["pool_size"].get<int>() + 2;

  std::vector<std::string> ids(static_cast<size_t>(chats));
  std::atomic<int> failed{0};
  auto start = steady_clock::now();
  test::spread(chats, clients, [&](int i) {
    auto res =
      test::http_call(to, "POST", "/api/chats",
                      json{{"workspace", workspace.string()}, {"permission_mode", "ask"}}.dump());
    if (res.status != 201) {
      ++failed;
      return;
    }
    auto& id = ids[static_cast<size_t>(i)];
    id = res.json()["id"];
    if (test::http_call(to, "POST", "/api/chats/" + id + "/messages",
                        json{{"text", "run true"}}.dump())
          .status != 202)
      ++failed;
  });
  auto pending_sql = "SELECT count(*) FROM turn_journal WHERE kind = 'approval'";
  if (!poll_until(seconds(1800), [&] { return test::count_of(conninfo, pending_sql) >= chats; })) {
    std::fprintf(stderr, "timed out: %lld of %d approvals pending\n",
                 static_cast<long long>(test::count_of(conninfo, pending_sql)), chats);
    return 1;
  }
  auto all_waiting = seconds_since(start);
  auto waiting = health(to);
  int waiting_threads = threads_of(node.pid());

  // Every approval answered, by `clients` browsers at once.
  start = steady_clock::now();
  test::spread(chats, clients, [&](int i) {
    auto& id = ids[static_cast<size_t>(i)];
    auto pending = test::http_call(to, "GET", "/api/chats/" + id + "/approvals").json()["items"];
    if (pending.size() != 1) {
      ++failed;
      return;
    }
    std::string approval = pending[0]["id"];
    if (test::http_call(to, "POST", "/api/chats/" + id + "/approvals/" + approval,
                        json{{"decision", "allow"}}.dump())
          .status != 200)
      ++failed;
  });
  auto answered = seconds_since(start);
  if (!poll_until(seconds(1800), [&] {
        return test::count_of(conninfo, "SELECT count(*) FROM chat_turns") >= chats;
      })) {
    std::fprintf(stderr, "timed out waiting for the turns to end\n");
    return 1;
  }
  auto ended = seconds_since(start);
  auto ran = test::count_of(conninfo, "SELECT count(*) FROM messages WHERE role = 'assistant' "
                                      "AND content = 'ran'");
  // Where a resumed turn's time goes: its traced calls (written within 100 ms).
  poll_until(seconds(10), [&] {
    return test::count_of(conninfo, "SELECT count(*) FROM tool_traces WHERE kind = 'tool'") >=
           chats;
  });
  auto median_ms = [&](const std::string& where) {
    return test::count_of(conninfo, "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY "
                                    "latency_ms)) FROM tool_traces WHERE " +
                                      where);
  };
  auto command_ms = median_ms("tool_name = 'run_command'");
  auto model_ms = median_ms("kind = 'model'");
  node.signal(SIGTERM);
  node.wait_exit(seconds(60));

  auto per = [&](const char* what) {
    return static_cast<double>(waiting["memory"][what].get<int64_t>() -
                               idle["memory"][what].get<int64_t>()) /
           chats / 1024.0;
  };
  std::printf("chats waiting for an approval: %d (clients %d, failed requests %d)\n", chats,
              clients, failed.load());
  std::printf("node threads: %d idle, %d with %d approvals waiting; turns running while they "
              "wait: %lld\n",
              idle_threads, waiting_threads, chats,
              static_cast<long long>(waiting["sessions"]["turns_running"].get<int64_t>()));
  std::printf("database connections: most seen %d, node budget %d (pool %d + 2)\n", sampler.most(),
              budget, budget - 2);
  std::printf("per waiting chat: heap %.1f KiB, RSS %.1f KiB (%lld chats loaded)\n",
              per("heap_bytes"), per("rss_bytes"),
              static_cast<long long>(waiting["sessions"]["loaded"].get<int64_t>()));
  std::printf("all %d waiting after %.1f s; answers sent in %.1f s, every turn ended after %.1f s "
              "(%.0f answers/s); commands' answers stored: %lld\n",
              chats, all_waiting, answered, ended, chats / ended, static_cast<long long>(ran));
  std::printf("traced calls, median: the approved command %lld ms, a model call %lld ms\n",
              static_cast<long long>(command_ms), static_cast<long long>(model_ms));
  return failed == 0 && ran == chats && sampler.most() <= budget ? 0 : 1;
}
