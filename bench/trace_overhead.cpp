// What tracing costs the agent, and how fast traces reach PostgreSQL.
//
// 1. The real agent kernel (agent::run_turn) with one model reply asking for N
//    calls of a no-op tool, with tracing off and on. A turn's side effects are
//    stand-ins except the events, which go to an actor as the turn worker
//    sends them to the session, and which it writes into their frames as the
//    session does (on its own thread, on the same two cores). "On" adds
//    everything tracing does on the agent's path: ids, timestamps, the call
//    events, the rows handed to the trace queue. (a) with the writer not draining (the agent's own
//    cost); (b) with the trace writer storing the rows into PostgreSQL meanwhile, on the same
//    cores. Reported: overhead per call in µs.
// 2. The same with run_command running /bin/true: the overhead as a share of
//    a real process tool.
// 1c. What the node's metrics and OTLP span export add on top of tracing,
//    the exporter posting to a real OTLP receiver on loopback meanwhile.
// 3. The trace writer alone: rows per second into PostgreSQL (one multi-row
//    INSERT per batch).
//
//   build/bin/bench_trace_overhead [calls=100000] [true_runs=300] [rows=100000]
// PostgreSQL: a private cluster started for the run (tests/support/test_database).
#include <cstdio>
#include <filesystem>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/trace_writer.hpp"
#include "net/otlp_exporter.hpp"
#include "runtime/actor_system.hpp"
#include "runtime/agent/kernel.hpp"
#include "runtime/metrics/node_metrics.hpp"
#include "runtime/poll.hpp"
#include "runtime/protocol/frames.hpp"
#include "runtime/tools/run_command.hpp"
#include "runtime/trace/call_metrics.hpp"
#include "storage/chat_repository.hpp"
#include "storage/trace_repository.hpp"
#include "tests/support/otlp_receiver.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;
using namespace std::chrono;
using nlohmann::json;

namespace {

/// Keeps the compiler from dropping work whose result is unused.
void benchmark_sink(const std::string& s) {
  static volatile size_t bytes = 0;
  bytes = bytes + s.size();
}

double seconds_since(steady_clock::time_point t0) {
  return duration<double>(steady_clock::now() - t0).count();
}

/// Stands in for the session: takes event batches and writes each event's
/// frame, as the session does before it sends them to its subscribers.
caf::actor spawn_frame_sink(caf::actor_system& sys) {
  return sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[seq = int64_t{0}](events_atom, const chat::event_batch& batch) mutable {
      for (auto& e : batch)
        benchmark_sink(protocol::chat_frame("c_bench", ++seq, e));
    }};
  });
}

/// A turn whose model asks for `calls` tool calls at once, then answers.
struct bench_io final : agent::turn_io, agent::tool_set, model::model_provider {
  caf::actor frames;
  int calls = 0;
  std::function<tools::tool_result()> tool;
  bool replied = false;
  int64_t next_id = 0;

  model::model_result complete(const model::model_request&, const model::stream_callbacks&,
                               const cancel_token*) override {
    model::model_reply r;
    r.message.role = "assistant";
    if (!replied) {
      replied = true;
      for (int i = 0; i < calls; ++i)
        r.message.tool_calls.push_back(
          {"call_" + std::to_string(i), "noop", R"({"path":"src/main.cpp"})"});
    } else {
      r.message.content = "done";
    }
    return r;
  }
  std::string describe() const override { return "bench"; }
  std::string model_name() const override { return "bench"; }
  const std::string& schemas_json() const override { return schemas; }
  std::size_t size() const override { return 1; }
  std::optional<bool> is_read_only(const std::string&) const override { return true; }
  bool changes_files(const std::string&) const override { return false; }
  tools::tool_result run(const std::string&, const json&, const std::string&) override {
    return tool();
  }
  std::string schemas = "[]";
  chat::message_record journal_message(const std::string&, chat::message_record m,
                                       const chat::tool_intent*) override {
    m.id = ++next_id;
    return m;
  }
  void end_turn(const agent::turn_summary&, chat::message_record* answer) override {
    if (answer != nullptr)
      answer->id = ++next_id;
  }
  void journal_step(const std::string&, const std::string&, const json&) override {}
  void publish(chat::event_batch batch) override {
    caf::anon_send(frames, events_atom::value, std::move(batch));
  }
};

/// One turn of `calls` tool calls; seconds.
double run_one_turn(const caf::actor& frames, int calls, std::function<tools::tool_result()> tool,
                    trace::tracer* tracer) {
  bench_io io;
  io.frames = frames;
  io.calls = calls;
  io.tool = std::move(tool);
  model::conversation history{{{"user", "go", "", {}, ""}}};
  agent::spec spec{"bench", &io, &io, agent::limits{3, 0, {}}, {}};
  cancel_token cancel;
  auto t0 = steady_clock::now();
  agent::run_turn(spec, {1, {}, nullptr}, history, io, cancel, tracer);
  return seconds_since(t0);
}

/// Alternates turns traced by `first` and by `second` (null: untraced)
/// `rounds` times; {first, second} seconds in total.
std::pair<double, double> compare(const caf::actor& frames, int calls, int rounds,
                                  const std::function<tools::tool_result()>& tool,
                                  trace::tracer* first, trace::tracer* second,
                                  const std::function<void()>& between) {
  double a = 0;
  double b = 0;
  for (int round = 0; round < rounds; ++round) {
    a += run_one_turn(frames, calls / rounds, tool, first);
    b += run_one_turn(frames, calls / rounds, tool, second);
    if (between)
      between();
  }
  return {a, b};
}

trace::tracer make_tracer(trace::trace_sink* sink, trace::id_source* ids) {
  return trace::tracer{sink, ids, "c_bench",
                       trace::actor_ref{protocol::actor_kind::session, "c_bench", ""}};
}

} // namespace

int main(int argc, char** argv) {
  int calls = argc > 1 ? std::atoi(argv[1]) : 100'000;
  int true_runs = argc > 2 ? std::atoi(argv[2]) : 300;
  int rows = argc > 3 ? std::atoi(argv[3]) : 100'000;
  const int rounds = 5;

  test::test_database db;
  {
    storage::chat_repository chats{db.conninfo()};
    chat::chat_record c;
    c.id = "c_bench";
    c.workspace = "/tmp";
    c.title = "bench";
    chats.create_chat(c);
  }
  node_actor_config cfg;
  caf::actor_system sys{cfg};
  auto frames = spawn_frame_sink(sys);
  auto repo = std::make_shared<storage::trace_repository>(db.conninfo());
  trace_write_fn write = [repo](const std::vector<trace::trace_record>& batch) {
    repo->insert(batch);
  };
  trace::id_source ids;
  auto noop = [] {
    tools::tool_result r;
    r.text = "ok";
    return r;
  };

  // 2 first, while the process is small (fork copies the page tables).
  test::temp_dir ws{"boocode-bench-ws"};
  tools::tool_context ctx;
  ctx.workspace = ws.path();
  auto run_true = [&] { return tools::run_command(ctx, {"/bin/true"}); };
  std::pair<double, double> by_true;
  {
    trace::trace_queue q{static_cast<size_t>(true_runs) * 2};
    auto traced = make_tracer(&q, &ids);
    run_one_turn(frames, 20, run_true, nullptr);
    by_true = compare(frames, true_runs, rounds, run_true, nullptr, &traced, {});
  }

  // 1a. The agent's own cost: rows wait in the queue (emptied between rounds, untimed).
  double agent_us = 0;
  {
    trace::trace_queue q{static_cast<size_t>(calls) * 2};
    auto traced = make_tracer(&q, &ids);
    auto empty_queue = [&q] { q.done(q.take(SIZE_MAX).size()); };
    run_one_turn(frames, 1000, noop, &traced);
    empty_queue();
    auto [off, on] = compare(frames, calls, rounds, noop, nullptr, &traced, empty_queue);
    agent_us = (on - off) / calls * 1e6;
    std::printf("no-op tool through the agent loop, %d calls: untraced %.2f us/call, traced "
                "%.2f us/call\n",
                calls, off / calls * 1e6, on / calls * 1e6);
    std::printf("  tracing overhead on the agent's path: %.2f us per call (goal < 5 us)\n",
                agent_us);
  }

  // 1c. What the node's metrics and the OTLP span export add: traced turns
  // alternating with the same turns whose calls also pass the metrics and
  // the span exporter (posting to a real OTLP receiver on loopback meanwhile).
  {
    auto q = std::make_shared<trace::trace_queue>(static_cast<size_t>(calls) * 4);
    metrics::registry reg;
    metrics::node_metrics m{reg};
    auto prices = model::price_table::shipped();
    test::otlp_receiver receiver;
    net::otlp_options o;
    o.endpoint = receiver.endpoint();
    o.capacity = static_cast<size_t>(calls) * 2;
    o.exported = m.spans_exported;
    o.dropped = m.spans_dropped;
    auto spans = std::make_shared<net::otlp_exporter>(o);
    auto observed = std::make_shared<trace::observed_sink>(
      q,
      std::vector<std::shared_ptr<trace::trace_observer>>{
        std::make_shared<trace::call_metrics>(m, prices, [](std::string_view) { return "bench"; }),
        spans});
    auto plain = make_tracer(q.get(), &ids);
    auto watched = make_tracer(observed.get(), &ids);
    watched.set_otel(
      std::make_shared<trace::turn_trace>(trace::turn_trace_of("c_bench", 1, nullptr, {})));
    auto empty_queue = [&q] { q->done(q->take(SIZE_MAX).size()); };
    run_one_turn(frames, 1000, noop, &watched);
    empty_queue();
    auto [traced, observed_s] = compare(frames, calls, rounds, noop, &plain, &watched, empty_queue);
    std::printf("  metrics + OTLP export on top of tracing: %.2f us per call (goal < 1 us); "
                "traced %.2f, with them %.2f us/call\n",
                (observed_s - traced) / calls * 1e6, traced / calls * 1e6,
                observed_s / calls * 1e6);
    poll_until(minutes(2), [&] { return spans->pending() == 0; });
    std::printf("  spans exported %.0f, dropped %.0f (the exporter's queue holds %zu)\n",
                m.spans_exported.value(), m.spans_dropped.value(), o.capacity);

    // The same cost without the turns around it (whose own noise is larger
    // than it): finished calls handed to the queue, and to the queue through
    // the metrics and the exporter, alternately in rounds.
    std::vector<trace::trace_record> rows;
    for (int i = 0; i < 1000; ++i) {
      auto traced_call =
        watched.end_tool(watched.begin_tool(i % 3 == 0 ? "read_file" : "run_command",
                                            "call_" + std::to_string(i), R"({"path":"a"})"),
                         noop());
      rows.push_back(std::move(*traced_call.record));
    }
    double direct = 0;
    double through = 0;
    int handed = 0;
    for (int round = 0; round < 200; ++round) {
      auto t0 = steady_clock::now();
      for (const auto& r : rows)
        q->finished(r);
      direct += seconds_since(t0);
      empty_queue();
      auto t1 = steady_clock::now();
      for (const auto& r : rows)
        observed->finished(r);
      through += seconds_since(t1);
      empty_queue();
      handed += static_cast<int>(rows.size());
      poll_until(seconds(30), [&] { return spans->pending() == 0; });
    }
    std::printf("  a finished call into the trace queue: %.3f us; through the metrics and the "
                "exporter too: %.3f us: %.3f us added per call (goal < 1 us)\n",
                direct / handed * 1e6, through / handed * 1e6, (through - direct) / handed * 1e6);
  }

  // 1b. With the trace writer storing the rows meanwhile, on the same cores.
  {
    auto queue = std::make_shared<trace::trace_queue>(static_cast<size_t>(calls) * 2);
    auto writer = spawn_trace_writer(sys, queue, write, {});
    auto traced = make_tracer(queue.get(), &ids);
    auto [off, on] = compare(frames, calls, rounds, noop, nullptr, &traced, {});
    std::printf("  with the writer storing them meanwhile (2 cores shared with PostgreSQL): "
                "%.2f us per call\n",
                (on - off) / calls * 1e6);
    auto t_drain = steady_clock::now();
    poll_until(minutes(5), [&] { return queue->stats().pending == 0; });
    auto s = queue->stats();
    std::printf("  rows written %llu, dropped %llu; the writer caught up %.2f s after the turn\n",
                static_cast<unsigned long long>(s.written),
                static_cast<unsigned long long>(s.dropped), seconds_since(t_drain));
    caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
  }

  auto [true_off, true_on] = by_true;
  double per_true_us = true_off / true_runs * 1e6;
  std::printf("/bin/true via run_command, %d runs: untraced %.1f us, traced %.1f us per run\n",
              true_runs, per_true_us, true_on / true_runs * 1e6);
  std::printf("  measured difference %+.2f%% (process start-up noise dominates)\n",
              (true_on - true_off) / true_off * 100);
  std::printf("  tracing overhead / run time = %.3f%% (goal < 1%%)\n",
              agent_us / per_true_us * 100);

  // 3. Writer throughput: rows queued first, then drained and timed.
  for (int batch : {100, 500, 1000}) {
    trace::trace_queue q{static_cast<size_t>(rows)};
    auto filler = make_tracer(&q, &ids);
    tools::tool_result result;
    result.text = std::string(200, 'x');
    for (int i = 0; i < rows; ++i)
      filler.commit(
        filler.end_tool(filler.begin_tool("read_file", "call_1", R"({"path":"a"})"), result));
    auto t0 = steady_clock::now();
    drain_traces(q, write, static_cast<size_t>(batch), nullptr);
    double secs = seconds_since(t0);
    std::printf("trace writer, batches of %d: %d rows in %.2f s = %.0f rows/s\n", batch, rows, secs,
                rows / secs);
  }
  caf::anon_send_exit(frames, caf::exit_reason::user_shutdown);
  return 0;
}
