// Many chats on one node: a real node on its own PostgreSQL (initdb defaults,
// max_connections 100, as the embedded default), a fake model that answers
// at once. Creates N chats and gives each one turn, then `again` of them a
// second turn, watching how many connections the database sees; then, on a
// node started again with a short passivation time, loads every chat, lets
// them unload, and times loading them back by subscribing.
//
//   build/bin/bench_many_chats [chats=10000] [again=1000] [clients=8] [reloads=500]
//
// Prints: turns/s, most connections seen (against the node's budget), heap and
// RSS per loaded idle chat and per unloaded chat, and subscribe → snapshot
// times for unloaded and loaded chats (p50/p99).
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "bench/database.hpp"
#include "bench/stats.hpp"
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

json health(const test::endpoint& to) {
  return test::http_call(to, "GET", "/api/health").json();
}

std::unique_ptr<test::node_process> start_node(const test::temp_dir& dir,
                                               const std::string& conninfo,
                                               const test::fake_model_server& model,
                                               const std::string& passivate, int run) {
  auto node = std::make_unique<test::node_process>(
    std::vector<std::string>{"serve", "--listen", "127.0.0.1:0", "--data-dir",
                             (dir / "data").string(), "--database-url", conninfo,
                             "--model-base-url", model.base_url(), "--model", "bench",
                             "--passivate-after", passivate, "--log-level", "warn"},
    dir / ("node-" + std::to_string(run) + ".log"));
  node->wait_ready();
  return node;
}

bool wait_for(const std::string& what, seconds limit, const std::function<bool()>& done) {
  if (poll_until(limit, done))
    return true;
  std::fprintf(stderr, "timed out waiting for %s\n", what.c_str());
  return false;
}

} // namespace

int main(int argc, char** argv) {
  int chats = argc > 1 ? std::atoi(argv[1]) : 10000;
  int again = std::min(chats, argc > 2 ? std::atoi(argv[2]) : 1000);
  int clients = argc > 3 ? std::atoi(argv[3]) : 8;
  int reloads = std::min(chats, argc > 4 ? std::atoi(argv[4]) : 500);
  test::temp_dir dir{"boocode-bench"};
  auto workspace = dir / "ws";
  std::filesystem::create_directories(workspace);
  auto pg = bench::start_database(dir / "pg");
  auto conninfo = pg->conninfo();
  test::fake_model_server model;
  for (int i = 0; i < chats + again; ++i)
    model.enqueue(
      test::fake_reply::text_reply("ok", {{"prompt_tokens", 50}, {"completion_tokens", 1}}));

  test::connection_sampler sampler{conninfo};
  auto node = start_node(dir, conninfo, model, "0", 1);
  auto to = node->address();
  auto before = health(to);
  auto budget = before["database"]["pool_size"].get<int>() + 2;

  // 1. N chats, one turn each, sent by `clients` browsers at once.
  std::vector<std::string> ids(static_cast<size_t>(chats));
  auto start = steady_clock::now();
  std::atomic<int> failed{0};
  test::spread(chats, clients, [&](int i) {
    auto res =
      test::http_call(to, "POST", "/api/chats", json{{"workspace", workspace.string()}}.dump());
    if (res.status != 201) {
      ++failed;
      return;
    }
    ids[static_cast<size_t>(i)] = res.json()["id"];
    auto posted =
      test::http_call(to, "POST", "/api/chats/" + ids[static_cast<size_t>(i)] + "/messages",
                      json{{"text", "hello"}}.dump());
    if (posted.status != 202)
      ++failed;
  });
  auto sent = duration<double>(steady_clock::now() - start).count();
  if (!wait_for("every chat's turn", seconds(1800), [&] {
        return test::count_of(conninfo, "SELECT count(*) FROM chat_turns") >= chats;
      }))
    return 1;
  auto first = duration<double>(steady_clock::now() - start).count();
  auto loaded = health(to);

  // 2. `again` of them, a second turn each.
  start = steady_clock::now();
  test::spread(again, clients, [&](int i) {
    auto res =
      test::http_call(to, "POST", "/api/chats/" + ids[static_cast<size_t>(i)] + "/messages",
                      json{{"text", "again"}}.dump());
    if (res.status != 202)
      ++failed;
  });
  if (!wait_for("the second turns", seconds(1800), [&] {
        return test::count_of(conninfo, "SELECT count(*) FROM chat_turns") >= chats + again;
      }))
    return 1;
  auto second = duration<double>(steady_clock::now() - start).count();
  auto answered =
    test::count_of(conninfo, "SELECT count(*) FROM messages WHERE role = 'assistant'");
  node->signal(SIGTERM);
  node->wait_exit(seconds(60));

  // 3. Started again, unloading after 1 s idle: every chat loaded once, left to unload.
  node = start_node(dir, conninfo, model, "1s", 2);
  to = node->address();
  auto fresh = health(to);
  test::spread(chats, clients, [&](int i) {
    thread_local std::unique_ptr<test::ws_client> ws;
    if (!ws) {
      ws = std::make_unique<test::ws_client>(to);
      ws->read_text(); // hello
    }
    test::subscribe_once(*ws, ids[static_cast<size_t>(i)]);
  });
  if (!wait_for("every chat to unload", seconds(600),
                [&] { return health(to)["sessions"]["unloaded"].get<int>() >= chats; }))
    return 1;
  auto unloaded = health(to);

  // 4. Loading back: subscribe → snapshot, unloaded chats, then the same loaded.
  test::ws_client ws{to};
  ws.read_text();
  std::vector<double> cold, warm;
  for (int i = 0; i < reloads; ++i)
    cold.push_back(test::subscribe_once(ws, ids[static_cast<size_t>(i)]));
  for (int i = 0; i < reloads; ++i)
    warm.push_back(test::subscribe_once(ws, ids[static_cast<size_t>(i)]));
  node->signal(SIGTERM);
  node->wait_exit(seconds(60));

  auto per = [&](const json& a, const json& b, const char* what) {
    return static_cast<double>(b["memory"][what].get<int64_t>() -
                               a["memory"][what].get<int64_t>()) /
           chats / 1024.0;
  };
  std::printf("chats: %d, second turns: %d, clients: %d, failed requests: %d\n", chats, again,
              clients, failed.load());
  std::printf("first turns: sent in %.1f s, all answered after %.1f s (%.0f turns/s)\n", sent,
              first, chats / first);
  std::printf("second turns: %.1f s (%.0f turns/s); assistant answers stored: %lld of %d\n", second,
              again / second, static_cast<long long>(answered), chats + again);
  std::printf(
    "database connections: most seen %d, node budget %d (pool %d + 2), max_connections 100\n",
    sampler.most(), budget, budget - 2);
  std::printf("loaded idle chat: heap %.1f KiB, RSS %.1f KiB each (%lld loaded)\n",
              per(before, loaded, "heap_bytes"), per(before, loaded, "rss_bytes"),
              static_cast<long long>(loaded["sessions"]["loaded"].get<int64_t>()));
  std::printf("unloaded chat: heap %.2f KiB each (%lld unloaded, %lld loaded)\n",
              per(fresh, unloaded, "heap_bytes"),
              static_cast<long long>(unloaded["sessions"]["unloaded"].get<int64_t>()),
              static_cast<long long>(unloaded["sessions"]["loaded"].get<int64_t>()));
  std::printf("subscribe -> snapshot, unloaded chat: p50 %.2f ms, p99 %.2f ms (%d chats)\n",
              bench::percentile(cold, 0.5), bench::percentile(cold, 0.99), reloads);
  std::printf("subscribe -> snapshot, loaded chat:   p50 %.2f ms, p99 %.2f ms\n",
              bench::percentile(warm, 0.5), bench::percentile(warm, 0.99));
  return failed == 0 && answered == chats + again && sampler.most() <= budget ? 0 : 1;
}
