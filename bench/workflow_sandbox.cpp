// The workflow sandbox alone (no database, no model): what a run costs.
//   - start: engine::start -> the script's first agent() call (a fresh
//     isolate, a context from the startup snapshot, compiling and running the
//     script's top), p50/p99 (goal < 5 ms);
//   - memory per idle run: resident set added by runs awaiting an agent
//     (goal < 4 MB);
//   - overhead per agent(): an answer -> the script's next agent() call,
//     p50/p99 (goal <= 1 ms);
//   - 100 no-op agents, one after another and in one parallel(), end to end.
//
//   ninja -C build bench_workflow_sandbox && build/bin/bench_workflow_sandbox [runs] [idle]
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/stats.hpp"
#include "runtime/process_memory.hpp"
#include "runtime/sandbox/engine.hpp"

using namespace boocode;
using namespace boocode::sandbox;
using clock_type = std::chrono::steady_clock;

namespace {

// Answers every agent() at once (when `instant`), timing each call.
class timed_host : public run_host {
public:
  explicit timed_host(bool instant) : instant_(instant) {}

  void call(host_call c) override {
    std::shared_ptr<run> r;
    {
      const std::lock_guard lock(mutex_);
      calls_.push_back(clock_type::now());
      ids_.push_back(c.id);
      r = run_;
      if (!r && instant_) {
        early_.push_back(c.id);
      }
    }
    if (r && instant_) {
      answered_.push_back(clock_type::now());
      r->settle(c.id, "ok");
    }
    cv_.notify_all();
  }
  void recorded(const std::string&, const nlohmann::json&) override {}
  void event(run_event) override {}
  void ended(run_end e) override {
    const std::lock_guard lock(mutex_);
    end_ = std::move(e);
    ended_at_ = clock_type::now();
    cv_.notify_all();
  }

  void attach(std::shared_ptr<run> r) {
    std::vector<std::uint64_t> early;
    {
      const std::lock_guard lock(mutex_);
      run_ = r;
      early.swap(early_);
    }
    for (auto id : early) {
      answered_.push_back(clock_type::now());
      r->settle(id, "ok");
    }
  }
  void wait_calls(std::size_t n) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return calls_.size() >= n || end_; });
  }
  run_end wait_end() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return end_.has_value(); });
    return *end_;
  }
  std::shared_ptr<run> handle() {
    const std::lock_guard lock(mutex_);
    return run_;
  }
  std::uint64_t first_id() {
    const std::lock_guard lock(mutex_);
    return ids_.front();
  }

  std::vector<clock_type::time_point> calls_;
  std::vector<clock_type::time_point> answered_;
  clock_type::time_point ended_at_;

private:
  bool instant_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::shared_ptr<run> run_;
  std::vector<std::uint64_t> ids_;
  std::vector<std::uint64_t> early_;
  std::optional<run_end> end_;
};

std::shared_ptr<timed_host> start(engine& e, const std::string& source, bool instant) {
  auto checked = e.check("bench.js", source);
  if (!std::holds_alternative<checked_script>(checked)) {
    std::fprintf(stderr, "%s\n", std::get<script_problem>(checked).describe().c_str());
    std::exit(1);
  }
  auto host = std::make_shared<timed_host>(instant);
  run_request request;
  request.name = "bench.js";
  request.body = std::get<checked_script>(checked).body;
  host->attach(e.start(std::move(request), host));
  return host;
}

double ms(clock_type::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

const std::string meta = "export const meta = { name: 'bench', description: 'bench' };\n";

} // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 300;
  const int idle = argc > 2 ? std::atoi(argv[2]) : 500;
  engine e(engine_options{2});
  std::printf("snapshot: %.0f KiB; %u sandbox threads\n",
              static_cast<double>(e.snapshot_bytes()) / 1024, e.threads());

  // Start: engine::start -> first agent() call.
  std::vector<double> starts;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = clock_type::now();
    auto host = start(e, meta + "await agent('x');", false);
    host->wait_calls(1);
    starts.push_back(ms(host->calls_.front() - t0));
    host->handle()->settle(host->first_id(), "ok");
    host->wait_end();
  }
  std::printf("start -> first agent() call (%d runs): p50 %.2f ms, p99 %.2f ms (goal < 5 ms)\n",
              runs, bench::percentile(starts, 0.5), bench::percentile(starts, 0.99));

  // Memory per idle run.
  const auto rss_before = resident_bytes();
  std::vector<std::shared_ptr<timed_host>> waiting;
  for (int i = 0; i < idle; ++i) {
    waiting.push_back(start(e, meta + "const r = await agent('x'); return r + args;", false));
  }
  for (auto& h : waiting) {
    h->wait_calls(1);
  }
  const auto rss_idle = resident_bytes();
  std::printf("memory per idle run (%d awaiting an agent): %.2f MiB resident (goal < 4 MB)\n", idle,
              static_cast<double>(rss_idle - rss_before) / idle / (1 << 20));
  for (auto& h : waiting) {
    h->handle()->settle(h->first_id(), "ok");
  }
  for (auto& h : waiting) {
    h->wait_end();
  }
  waiting.clear();

  // Overhead per agent(): answer -> next call, 100 agents in a row.
  std::vector<double> overheads;
  clock_type::duration serial_total{};
  for (int round = 0; round < 10; ++round) {
    const auto t0 = clock_type::now();
    auto host = start(e, meta + "for (let i = 0; i < 100; i++) await agent('step ' + i);", true);
    host->wait_end();
    serial_total += host->ended_at_ - t0;
    for (std::size_t i = 0; i + 1 < host->calls_.size(); ++i) {
      overheads.push_back(ms(host->calls_[i + 1] - host->answered_[i]));
    }
  }
  std::printf("overhead per agent() (answer -> next call, %zu steps): p50 %.3f ms, p99 %.3f ms "
              "(goal <= 1 ms)\n",
              overheads.size(), bench::percentile(overheads, 0.5),
              bench::percentile(overheads, 0.99));
  std::printf("100 no-op agents one after another, end to end: %.1f ms (mean of 10)\n",
              ms(serial_total) / 10);

  std::vector<double> fan;
  for (int round = 0; round < 10; ++round) {
    const auto t0 = clock_type::now();
    auto host = start(
      e,
      meta +
        "return (await parallel([...Array(100).keys()].map(i => () => agent('p' + i)))).length;",
      true);
    host->wait_end();
    fan.push_back(ms(host->ended_at_ - t0));
  }
  std::printf(
    "100 no-op agents in one parallel(), end to end: p50 %.1f ms (Restate: 249 ms for 100 "
    "no-op durable steps; this figure has no database)\n",
    bench::percentile(fan, 0.5));
  return 0;
}
