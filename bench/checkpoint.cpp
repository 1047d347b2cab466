// Checkpoint cost: the latency of a turn's checkpoint transaction early in a
// chat (turn 10) and late (turn 1,000), whose ratio shows whether it grows
// with the conversation (goal: at most 1.5), and checkpoints per second with
// 32 sessions checkpointing at once. Each turn is realistic: a user message
// from the inbox, a model reply with two tool calls, their intents and
// results, and a final answer journaled before the checkpoint; only the
// checkpoint is timed. Prints this machine's fsync latency (pg_test_fsync)
// beside it, since a commit waits for one.
//
// PostgreSQL: a private cluster started for the run with the node's embedded
// settings (fsync on: a commit waits for the disk), or BENCH_DATABASE_URL.
//
//   ninja -C build bench && build/bin/bench_checkpoint [samples] [sessions] [seconds]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench/stats.hpp"
#include "runtime/child_process.hpp"
#include "storage/chat_repository.hpp"
#include "storage/embedded_postgres.hpp"
#include "storage/migrations.hpp"
#include "storage/session_repository.hpp"
#include "tests/support/sample_records.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using clock_type = std::chrono::steady_clock;

namespace {

/// One turn of `chat`; returns the checkpoint's latency in milliseconds.
double run_turn(storage::session_repository& repo, const storage::fence& f, int turn) {
  repo.post(f.actor_id, fmt::format("please do step {} of the plan", turn), "");
  repo.begin_turn(f, turn);
  repo.journal_message(
    f, turn, "r1",
    test::sample_reply("I'll look.", {{"c1", "run_command", R"({"argv":["ls","-la"]})"},
                                      {"c2", "read_file", R"({"path":"src/main.cpp"})"}}));
  for (int i = 0; i < 2; ++i) {
    auto step = chat::tool_step(1, static_cast<size_t>(i));
    repo.journal(f, turn, step, "intent", {{"name", "run_command"}});
    repo.journal_message(
      f, turn, step, test::sample_tool_result(fmt::format("c{}", i + 1), std::string(600, 'o')));
  }
  repo.journal_message(f, turn, "r2", test::sample_reply(std::string(400, 'a')));
  storage::checkpoint_request req;
  req.turn = turn;
  req.last_seq = turn * 40L;
  req.state = {{"turn", turn}, {"last_seq", req.last_seq}, {"usage", {{"prompt", turn * 4800}}}};
  req.outcome = protocol::turn_outcome::completed;
  req.model_calls = 2;
  auto t0 = clock_type::now();
  repo.checkpoint(f, req);
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

std::string new_chat(storage::chat_repository& chats, int n) {
  return chats.create_chat(test::sample_chat(fmt::format("c_bench{:06}", n))).id;
}

using bench::percentile;

/// pg_test_fsync's fdatasync line (the commit's wait), or why not.
std::string fsync_figure() {
  try {
    test::temp_dir dir{"boocode-fsync"};
    auto bin = storage::find_postgres_bin({}) / "pg_test_fsync";
    auto log = dir.path() / "fsync.txt";
    child_options opts;
    opts.argv = {bin.string(), "-s", "1", "-f", (dir.path() / "probe").string()};
    opts.log_file = log;
    if (run_to_completion(opts, std::chrono::seconds(60)) != 0)
      return "pg_test_fsync failed: " + tail_of(log);
    // The first "fdatasync  N ops/sec  M usecs/op" line: one 8 kB write.
    std::string text = tail_of(log, 20000);
    std::smatch m;
    static const std::regex line{R"(fdatasync\s+([0-9.]+) ops/sec\s+([0-9]+) usecs/op)"};
    if (!std::regex_search(text, m, line))
      return "no fdatasync figure in its output";
    return fmt::format("fdatasync of one 8 kB write: {} us ({} ops/s)", m[2].str(), m[1].str());
  } catch (const std::exception& e) {
    return std::string("pg_test_fsync: ") + e.what();
  }
}

} // namespace

int main(int argc, char** argv) {
  int samples = argc > 1 ? std::stoi(argv[1]) : 200;
  int sessions = argc > 2 ? std::stoi(argv[2]) : 32;
  int seconds = argc > 3 ? std::stoi(argv[3]) : 5;
  test::temp_dir dir{"boocode-bench-pg"};
  std::unique_ptr<storage::embedded_postgres> pg;
  std::string conninfo;
  if (const char* url = std::getenv("BENCH_DATABASE_URL")) {
    conninfo = url;
  } else {
    storage::embedded_postgres_options opts;
    opts.root = dir.path() / "cluster";
    pg = storage::embedded_postgres::start(opts);
    conninfo = pg->conninfo();
  }
  storage::apply_migrations(conninfo, storage::builtin_migrations());
  storage::chat_repository chats{conninfo};
  storage::session_repository repo{conninfo};
  int next_chat = 0;

  // Turn 10: `samples` chats, each measured at its tenth turn.
  std::vector<double> early;
  for (int i = 0; i < samples; ++i) {
    auto f = repo.acquire_lease(new_chat(chats, ++next_chat), "bench");
    for (int turn = 1; turn < 10; ++turn)
      run_turn(repo, f, turn);
    early.push_back(run_turn(repo, f, 10));
  }
  // Turn 1,000: one chat taken to 1,000 turns, measured over the next `samples`.
  auto long_chat = repo.acquire_lease(new_chat(chats, ++next_chat), "bench");
  for (int turn = 1; turn < 1000; ++turn)
    run_turn(repo, long_chat, turn);
  std::vector<double> late;
  for (int i = 0; i < samples; ++i)
    late.push_back(run_turn(repo, long_chat, 1000 + i));

  // Throughput: `sessions` threads, each a chat with its own connection.
  std::atomic<bool> stop{false};
  std::atomic<long> done{0};
  std::vector<std::thread> threads;
  std::vector<std::vector<double>> lat(static_cast<size_t>(sessions));
  std::vector<std::string> ids;
  for (int i = 0; i < sessions; ++i)
    ids.push_back(new_chat(chats, ++next_chat));
  auto t0 = clock_type::now();
  for (int i = 0; i < sessions; ++i)
    threads.emplace_back([&, i] {
      storage::session_repository own{conninfo};
      auto f = own.acquire_lease(ids[static_cast<size_t>(i)], "bench");
      for (int turn = 1; !stop.load(); ++turn) {
        lat[static_cast<size_t>(i)].push_back(run_turn(own, f, turn));
        ++done;
      }
    });
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& t : threads)
    t.join();
  double elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
  std::vector<double> loaded;
  for (auto& v : lat)
    loaded.insert(loaded.end(), v.begin(), v.end());

  auto e50 = percentile(early, 0.5), e99 = percentile(early, 0.99);
  auto l50 = percentile(late, 0.5), l99 = percentile(late, 0.99);
  fmt::print("checkpoint latency, {} samples each (ms):\n", samples);
  fmt::print("  turn 10:    p50 {:.3f}  p99 {:.3f}\n", e50, e99);
  fmt::print("  turn 1000:  p50 {:.3f}  p99 {:.3f}\n", l50, l99);
  fmt::print("  ratio 1000/10: p50 {:.2f}  p99 {:.2f}  (goal <= 1.5)\n", l50 / e50, l99 / e99);
  fmt::print("{} concurrent sessions for {:.1f} s: {} checkpoints, {:.0f} checkpoints/s"
             " (p50 {:.3f} ms, p99 {:.3f} ms each)\n",
             sessions, elapsed, done.load(), static_cast<double>(done.load()) / elapsed,
             percentile(loaded, 0.5), percentile(loaded, 0.99));
  fmt::print("this machine's fsync: {}\n", fsync_figure());
  return 0;
}
