// The trace writer: draining the queue in batches, surviving an unreachable or
// refusing database, and writing everything (interrupted calls included) on close.
// drain_traces is plain logic; the actor runs in a real actor system (it is detached).
#include <atomic>
#include <mutex>

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include "actors/trace_writer.hpp"
#include "runtime/actor_system.hpp"
#include "runtime/poll.hpp"
#include "storage/storage_error.hpp"

using namespace boocode;
using namespace std::chrono_literals;

namespace {

trace::trace_record call(const std::string& id) {
  auto s = std::make_shared<trace::trace_start>();
  s->id = id;
  s->chat_id = "c_1";
  s->tool = "read_file";
  s->started_us = trace::now_us();
  trace::trace_record r{s, {}};
  r.end.finished_us = s->started_us + 10;
  return r;
}

/// A database stand-in: records batches; can be down or refuse one row id.
struct fake_db {
  std::mutex mtx;
  std::vector<std::vector<std::string>> batches;
  std::atomic<int> outages_left{0};
  std::string refused_id;

  trace_write_fn writer() {
    return [this](const std::vector<trace::trace_record>& rows) {
      if (outages_left > 0) {
        --outages_left;
        throw storage::storage_unavailable("write traces: connection lost");
      }
      std::vector<std::string> ids;
      for (auto& r : rows) {
        if (r.start->id == refused_id)
          throw storage::storage_error("write traces: violates foreign key");
        ids.push_back(r.start->id);
      }
      std::lock_guard guard{mtx};
      batches.push_back(ids);
    };
  }

  std::vector<std::string> written() {
    std::lock_guard guard{mtx};
    std::vector<std::string> out;
    for (auto& b : batches)
      out.insert(out.end(), b.begin(), b.end());
    return out;
  }
};

trace_writer_options backoff(std::chrono::milliseconds first) {
  trace_writer_options o;
  o.min_backoff = first;
  return o;
}

} // namespace

TEST(DrainTracesTest, WritesEverythingInBatchesInOrder) {
  trace::trace_queue q{100};
  fake_db db;
  for (int i = 0; i < 7; ++i)
    q.finished(call("t" + std::to_string(i)));
  EXPECT_TRUE(drain_traces(q, db.writer(), 3, nullptr));
  ASSERT_EQ(db.batches.size(), 3u);
  EXPECT_EQ(db.batches[0], (std::vector<std::string>{"t0", "t1", "t2"}));
  EXPECT_EQ(db.batches[2], (std::vector<std::string>{"t6"}));
  EXPECT_EQ(q.stats().written, 7u);
  EXPECT_EQ(q.stats().pending, 0u);
}

TEST(DrainTracesTest, AnOutageKeepsTheRowsForLater) {
  trace::trace_queue q{100};
  fake_db db;
  db.outages_left = 1;
  q.finished(call("a"));
  q.finished(call("b"));
  EXPECT_FALSE(drain_traces(q, db.writer(), 10, nullptr));
  EXPECT_EQ(q.stats().pending, 2u);
  EXPECT_EQ(q.stats().failed_writes, 1u);
  EXPECT_TRUE(drain_traces(q, db.writer(), 10, nullptr));
  EXPECT_EQ(db.written(), (std::vector<std::string>{"a", "b"}));
}

TEST(DrainTracesTest, OneRefusedRowDoesNotBlockTheOthers) {
  trace::trace_queue q{100};
  fake_db db;
  db.refused_id = "bad";
  for (auto id : {"a", "bad", "c"})
    q.finished(call(id));
  EXPECT_TRUE(drain_traces(q, db.writer(), 10, nullptr));
  EXPECT_EQ(db.written(), (std::vector<std::string>{"a", "c"}));
  auto s = q.stats();
  EXPECT_EQ(s.written, 2u);
  EXPECT_EQ(s.rejected, 1u);
  EXPECT_EQ(s.pending, 0u);
}

TEST(TraceWriterTest, WritesRowsAsTheyArriveAndRetriesAfterAnOutage) {
  node_actor_config cfg;
  caf::actor_system sys{cfg};
  auto q = std::make_shared<trace::trace_queue>(100);
  fake_db db;
  db.outages_left = 2;
  auto writer = spawn_trace_writer(sys, q, db.writer(), backoff(10ms));
  q->finished(call("a"));
  q->finished(call("b"));
  EXPECT_TRUE(poll_until(10s, [&] { return q->stats().written == 2; }));
  EXPECT_EQ(q->stats().failed_writes, 2u);
  q->finished(call("c"));
  EXPECT_TRUE(poll_until(10s, [&] { return q->stats().written == 3; }));
  EXPECT_EQ(db.written(), (std::vector<std::string>{"a", "b", "c"}));
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
}

// With a gather window the calls of a burst go in one statement, written
// once the window after the first one has passed.
TEST(TraceWriterTest, RowsGatherForAWindowThenGoInOneStatement) {
  node_actor_config cfg;
  caf::actor_system sys{cfg};
  auto q = std::make_shared<trace::trace_queue>(100);
  fake_db db;
  auto opts = backoff(10ms);
  opts.gather = 300ms;
  auto writer = spawn_trace_writer(sys, q, db.writer(), opts);
  auto first = std::chrono::steady_clock::now();
  for (const char* id : {"a", "b", "c", "d"})
    q->finished(call(id));
  EXPECT_TRUE(poll_until(10s, [&] { return q->stats().written == 4; }));
  EXPECT_GE(std::chrono::steady_clock::now() - first, 300ms);
  ASSERT_EQ(db.batches.size(), 1u);
  EXPECT_EQ(db.written(), (std::vector<std::string>{"a", "b", "c", "d"}));
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
}

TEST(TraceWriterTest, CloseRecordsOpenCallsAsInterruptedAndWritesEverything) {
  node_actor_config cfg;
  caf::actor_system sys{cfg};
  auto q = std::make_shared<trace::trace_queue>(100);
  fake_db db;
  auto writer = spawn_trace_writer(sys, q, db.writer(), backoff(10ms));
  auto running = call("running").start;
  q->started(running);
  q->finished(call("done"));
  db.outages_left = 3; // the database is briefly away as the node stops
  caf::scoped_actor self{sys};
  bool ok = false;
  self->request(writer, 10s, close_atom::value)
    .receive([&](bool r) { ok = r; }, [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
  EXPECT_TRUE(ok);
  auto written = db.written();
  EXPECT_EQ(written.size(), 2u);
  EXPECT_NE(std::find(written.begin(), written.end(), "running"), written.end());
  EXPECT_EQ(q->stats().open, 0u);
  EXPECT_EQ(q->stats().pending, 0u);
}

TEST(TraceWriterTest, FlushAnswersWhetherEverythingIsWritten) {
  node_actor_config cfg;
  caf::actor_system sys{cfg};
  auto q = std::make_shared<trace::trace_queue>(100);
  fake_db db;
  db.outages_left = 1000;
  auto writer = spawn_trace_writer(sys, q, db.writer(), backoff(1h));
  q->finished(call("a"));
  caf::scoped_actor self{sys};
  auto flush = [&] {
    bool ok = true;
    self->request(writer, 10s, flush_atom::value)
      .receive([&](bool r) { ok = r; }, [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
    return ok;
  };
  EXPECT_FALSE(flush()) << "the database is down: the row still waits";
  EXPECT_EQ(q->stats().pending, 1u);
  db.outages_left = 0;
  EXPECT_TRUE(flush());
  EXPECT_EQ(db.written(), (std::vector<std::string>{"a"}));
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
}
