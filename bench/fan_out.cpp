// Fan-out: many browsers watching chats stream. A real node on its own
// PostgreSQL, a fake model that streams each chat's answer at `rate` deltas
// per second, each delta stamped with the time it was sent; `clients`
// browsers (WebSockets) in `processes` client processes
// (bench_fan_out_client), spread evenly over `chats` chats. Every chat is
// given one turn at once; each browser then receives an assistant_delta frame
// `rate` times a second for `seconds` seconds.
//
//   build/bin/bench_fan_out [clients=1000] [processes=4] [chats=50] [seconds=10] [rate=20]
//
// Prints: frames delivered (against the number sent × watchers) and the
// delivery time of a frame from the model's send to the browser's receipt,
// p50/p99/max (goal: p99 < 50 ms).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bench/database.hpp"
#include "bench/stats.hpp"
#include "tests/support/fake_model_server.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using namespace std::chrono;
using nlohmann::json;

namespace {

/// One client process and what it reported.
struct client_process {
  FILE* out = nullptr;
  int64_t frames = 0;
  int failed = 0;
};

/// The next line `p` printed (without its newline); empty at its end.
std::string read_line(FILE* p) {
  std::string line;
  for (int c = std::fgetc(p); c != EOF && c != '\n'; c = std::fgetc(p))
    line.push_back(static_cast<char>(c));
  return line;
}

} // namespace

int main(int argc, char** argv) {
  int clients = argc > 1 ? std::atoi(argv[1]) : 1000;
  int processes = argc > 2 ? std::atoi(argv[2]) : 4;
  int chats = argc > 3 ? std::atoi(argv[3]) : 50;
  int secs = argc > 4 ? std::atoi(argv[4]) : 10;
  int rate = argc > 5 ? std::atoi(argv[5]) : 20;
  auto client_bin = std::filesystem::absolute(argv[0]).parent_path() / "bench_fan_out_client";
  test::temp_dir dir{"boocode-bench"};
  auto workspace = dir / "ws";
  std::filesystem::create_directories(workspace);
  auto pg = bench::start_database(dir / "pg");
  auto conninfo = pg->conninfo();

  // Each chat's answer: `rate` × `secs` stamped deltas, one every 1/rate s.
  int deltas = rate * secs;
  auto piece = "T" + std::string(test::fake_reply::stamp_mark) + ";";
  test::fake_model_server model;
  for (int i = 0; i < chats; ++i) {
    test::fake_reply r;
    for (int d = 0; d < deltas; ++d)
      r.text += piece;
    r.piece = piece.size();
    r.interval = milliseconds(1000 / rate);
    r.stamped = true;
    r.usage = {{"prompt_tokens", 50}, {"completion_tokens", deltas}};
    model.enqueue(std::move(r));
  }
  test::node_process node{{"serve", "--listen", "127.0.0.1:0", "--data-dir",
                           (dir / "data").string(), "--database-url", conninfo, "--model-base-url",
                           model.base_url(), "--model", "bench", "--log-level", "warn"},
                          dir / "node.log"};
  node.wait_ready();
  auto to = node.address();
  std::vector<std::string> ids;
  {
    std::ofstream file{dir / "chats"};
    for (int i = 0; i < chats; ++i) {
      auto res =
        test::http_call(to, "POST", "/api/chats", json{{"workspace", workspace.string()}}.dump());
      ids.push_back(res.json()["id"]);
      file << ids.back() << "\n";
    }
  }

  // The browsers: subscribed and holding their snapshots before anything streams.
  std::vector<client_process> procs(static_cast<size_t>(processes));
  int timeout = secs * 3 + 60;
  for (int p = 0; p < processes; ++p) {
    int first = clients * p / processes;
    int count = clients * (p + 1) / processes - first;
    std::ostringstream cmd;
    cmd << client_bin << " " << to.host << " " << to.port << " " << (dir / "chats") << " " << first
        << " " << count << " " << timeout;
    procs[static_cast<size_t>(p)].out = popen(cmd.str().c_str(), "r");
  }
  for (auto& c : procs)
    if (read_line(c.out) != "ready") {
      std::fprintf(stderr, "a client process did not get its snapshots\n");
      return 1;
    }

  auto start = steady_clock::now();
  for (auto& id : ids)
    test::http_call(to, "POST", "/api/chats/" + id + "/messages", json{{"text", "stream"}}.dump());
  std::vector<double> lat_ms;
  int64_t frames = 0;
  int failed = 0;
  for (auto& c : procs) {
    std::istringstream done{read_line(c.out)};
    std::string word;
    done >> word >> c.frames >> c.failed;
    std::istringstream lat{read_line(c.out)};
    lat >> word;
    for (int64_t us; lat >> us;)
      lat_ms.push_back(static_cast<double>(us) / 1000.0);
    frames += c.frames;
    failed += c.failed;
    pclose(c.out);
  }
  auto took = duration<double>(steady_clock::now() - start).count();
  node.signal(SIGTERM);
  node.wait_exit(seconds(60));

  auto expected = static_cast<int64_t>(clients) * deltas;
  std::printf("browsers: %d in %d processes, watching %d chats (%d each); %d s at %d frames/s\n",
              clients, processes, chats, clients / chats, secs, rate);
  std::printf("frames delivered: %lld of %lld (%.0f frames/s over %.1f s); browsers failed: %d\n",
              static_cast<long long>(frames), static_cast<long long>(expected),
              static_cast<double>(frames) / took, took, failed);
  std::printf("delivery (model sends -> browser reads): p50 %.2f ms, p99 %.2f ms, max %.2f ms "
              "(goal p99 < 50 ms: %s)\n",
              bench::percentile(lat_ms, 0.5), bench::percentile(lat_ms, 0.99),
              bench::percentile(lat_ms, 1.0),
              bench::percentile(lat_ms, 0.99) < 50 ? "met" : "missed");
  return failed == 0 && frames == expected ? 0 : 1;
}
