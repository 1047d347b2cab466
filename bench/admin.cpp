// Admin call latency: three real nodes on one PostgreSQL; an operator's client
// on node A's admin port lists the nodes, lists the actors (which asks every
// owning node for its live state) and inspects a chat owned by node B. Timed
// with the cluster idle, then while chats stream answers on every node.
//
//   ninja -C build bench && build/bin/bench_admin [calls=200] [streaming_chats=12]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/cluster.hpp"
#include "bench/stats.hpp"
#include "net/admin_client.hpp"
#include "runtime/poll.hpp"
#include "storage/node_repository.hpp"
#include "storage/session_repository.hpp"

using namespace boocode;
using namespace std::chrono;
using nlohmann::json;

namespace {

/// Milliseconds of `calls` runs of `f` (which must succeed).
template <class F>
std::vector<double> time_calls(int calls, F f) {
  std::vector<double> ms;
  for (int i = 0; i < calls; ++i) {
    auto t0 = steady_clock::now();
    if (!f()) {
      std::fprintf(stderr, "an admin call failed\n");
      std::exit(1);
    }
    ms.push_back(duration<double, std::milli>(steady_clock::now() - t0).count());
  }
  return ms;
}

void report(const std::string& what, const std::vector<double>& ms) {
  fmt::print("  {:<28} p50 {:6.2f} ms  p99 {:6.2f} ms\n", what, bench::percentile(ms, 0.5),
             bench::percentile(ms, 0.99));
}

} // namespace

int main(int argc, char** argv) {
  int calls = argc > 1 ? std::atoi(argv[1]) : 200;
  int streaming = argc > 2 ? std::atoi(argv[2]) : 12;
  bench::cluster c{"boocode-bench-admin"};
  // Chats on every node (placement spreads them), used through node A.
  std::vector<std::string> chats;
  for (int i = 0; i < std::max(streaming, 3); ++i)
    chats.push_back(test::http_call(c.to("node-a"), "POST", "/api/chats",
                                    json{{"workspace", c.workspace.string()}}.dump())
                      .json()["id"]);
  auto on_b = storage::session_repository{c.conninfo}.leases_of("node-b");
  auto admin_address = storage::node_repository{c.conninfo}.find("node-a")->admin_address;
  auto colon = admin_address.rfind(':');
  auto client = net::connect_admin(
    {admin_address.substr(0, colon),
     static_cast<uint16_t>(std::stoi(admin_address.substr(colon + 1))), false, std::nullopt, ""},
    "", "bench@localhost");
  poll_until(seconds(10), [&] {
    return c.connections("node-a", "node-b") > 0 && c.connections("node-a", "node-c") > 0;
  });
  auto run_all = [&](const char* phase) {
    fmt::print("{} ({} calls each):\n", phase, calls);
    report("nodes", time_calls(calls, [&] { return client->nodes().index() == 0; }));
    report(fmt::format("actors ({} chats, 3 nodes)", chats.size()),
           time_calls(calls, [&] { return client->actors({}).index() == 0; }));
    report("inspect (a chat on node B)",
           time_calls(calls, [&] { return client->inspect(on_b.at(0)).index() == 0; }));
  };
  run_all("idle");

  // Load: every chat streams answers back to back (a reply of 200 pieces
  // every 10 ms), posted through node A.
  std::atomic<bool> stop{false};
  std::atomic<int> turns{0};
  std::vector<std::thread> load;
  for (int i = 0; i < streaming; ++i)
    load.emplace_back([&, i] {
      for (int n = 0; !stop; ++n) {
        auto r = test::fake_reply::text_reply(std::string(200, 'x'));
        r.interval = milliseconds(10);
        c.model.enqueue(r);
        test::http_call(c.to("node-a"), "POST",
                        "/api/chats/" + chats[static_cast<size_t>(i)] + "/messages",
                        json{{"text", "go"}, {"client_id", fmt::format("l{}-{}", i, n)}}.dump());
        poll_until(seconds(30), [&] {
          auto tl = test::http_call(c.to("node-a"), "GET",
                                    "/api/chats/" + chats[static_cast<size_t>(i)] + "/timeline")
                      .json()["turns"];
          return stop || (static_cast<int>(tl.size()) > n && tl.back()["outcome"] != "running");
        });
        ++turns;
      }
    });
  // Measured once the load runs: every chat has finished a turn under it.
  poll_until(seconds(60), [&] { return turns >= streaming; });
  run_all(fmt::format("while {} chats stream", streaming).c_str());
  stop = true;
  for (auto& t : load)
    t.join();
  fmt::print("({} turns ran during the loaded phase)\n", turns.load());
  return 0;
}
