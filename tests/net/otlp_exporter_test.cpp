// The OTLP span exporter against a real OTLP/HTTP receiver: batches off the
// caller's path, retries a collector that is down, drops and counts what a
// full queue cannot hold, never blocks.
#include <gtest/gtest.h>

#include "net/otlp_exporter.hpp"
#include "runtime/metrics/node_metrics.hpp"
#include "runtime/poll.hpp"
#include "tests/support/otlp_receiver.hpp"

using namespace boocode;
using namespace std::chrono_literals;

namespace {

struct exporter_fixture {
  metrics::registry reg;
  metrics::node_metrics m{reg};
  test::otlp_receiver receiver;

  net::otlp_options options(size_t capacity = 100, size_t batch = 10) {
    net::otlp_options o;
    o.endpoint = receiver.endpoint();
    o.headers = {{"x-api-key", "secret"}};
    o.capacity = capacity;
    o.batch = batch;
    o.interval = 50ms;
    o.timeout = 2s;
    o.resource = {"boocode", "0.1.0", "node-1", "default"};
    o.provider_of = [](std::string_view) { return "openai"; };
    o.exported = m.spans_exported;
    o.dropped = m.spans_dropped;
    o.failures = m.span_export_failures;
    return o;
  }
};

trace::trace_record tool_call(int i, std::shared_ptr<const trace::turn_trace> tt) {
  auto s = std::make_shared<trace::trace_start>();
  s->id = "x." + std::to_string(i);
  s->chat_id = "c_1";
  s->turn = 1;
  s->tool = "read_file";
  s->call_id = "call_" + std::to_string(i);
  s->actor = {protocol::actor_kind::session, "c_1", ""};
  s->started_us = 1'700'000'000'000'000 + i;
  s->otel = std::move(tt);
  trace::trace_record r{s, {}};
  r.end.finished_us = s->started_us + 10;
  return r;
}

std::shared_ptr<const trace::turn_trace> a_trace() {
  return std::make_shared<trace::turn_trace>(trace::turn_trace_of("c_1", 1, nullptr, {}));
}

} // namespace

TEST(OtlpExporterTest, DeliversEveryCallInBatchesToTheCollectorsTracesPath) {
  exporter_fixture f;
  net::otlp_exporter exporter{f.options(100, 10)};
  auto tt = a_trace();
  for (int i = 0; i < 25; ++i)
    exporter.observe(tool_call(i, tt));
  exporter.observe(tool_call(99, nullptr)); // no trace: not exported
  ASSERT_TRUE(poll_until(10s, [&] { return f.receiver.spans().size() == 25; }))
    << f.receiver.spans().size();
  EXPECT_GE(f.receiver.exports(), 3u); // 10 + 10 + 5
  for (const auto& t : f.receiver.targets())
    EXPECT_EQ(t, "/v1/traces");
  EXPECT_TRUE(poll_until(5s, [&] { return f.m.spans_exported.value() == 25; }));
  EXPECT_EQ(f.m.spans_dropped.value(), 0);
  EXPECT_EQ(exporter.pending(), 0u);
  EXPECT_EQ(f.receiver.header("x-api-key"), "secret");
  EXPECT_EQ(f.receiver.header("content-type"), "application/json");
}

TEST(OtlpExporterTest, ACollectorThatIsDownIsTriedAgainAndNothingIsLost) {
  exporter_fixture f;
  f.receiver.fail_next(2, 503);
  net::otlp_exporter exporter{f.options()};
  auto tt = a_trace();
  for (int i = 0; i < 5; ++i)
    exporter.observe(tool_call(i, tt));
  ASSERT_TRUE(poll_until(15s, [&] { return f.receiver.spans().size() == 5; }));
  EXPECT_EQ(f.m.span_export_failures.value(), 2);
  EXPECT_EQ(f.m.spans_exported.value(), 5);
  EXPECT_EQ(f.m.spans_dropped.value(), 0);
}

TEST(OtlpExporterTest, ARefusedExportIsDroppedAndCountedNotRetried) {
  exporter_fixture f;
  f.receiver.fail_next(1, 400);
  net::otlp_exporter exporter{f.options()};
  exporter.observe(tool_call(1, a_trace()));
  ASSERT_TRUE(poll_until(10s, [&] { return f.m.spans_dropped.value() == 1; }));
  EXPECT_EQ(f.receiver.exports(), 1u);
  EXPECT_EQ(f.m.span_export_failures.value(), 1);
}

TEST(OtlpExporterTest, AFullQueueDropsAndCountsWithoutBlockingAndStopSendsTheRest) {
  exporter_fixture f;
  auto o = f.options(5, 1000);
  o.interval = 1h; // nothing goes before the exporter stops
  {
    net::otlp_exporter exporter{o};
    auto tt = a_trace();
    for (int i = 0; i < 8; ++i)
      exporter.observe(tool_call(i, tt));
    EXPECT_EQ(exporter.pending(), 5u);
    EXPECT_EQ(f.m.spans_dropped.value(), 3);
    EXPECT_EQ(f.receiver.exports(), 0u);
  } // stopping sends what waits
  EXPECT_EQ(f.receiver.spans().size(), 5u);
  EXPECT_EQ(f.m.spans_exported.value(), 5);
}

TEST(OtlpExporterTest, TurnsAreExportedAndAnEndpointThatIsNoUrlIsRefused) {
  exporter_fixture f;
  net::otlp_exporter exporter{f.options()};
  auto tt = a_trace();
  exporter.add_turn(
    {tt, "c_1", protocol::actor_kind::session, 1, 1'000, 2'000, "completed", {}, 1});
  ASSERT_TRUE(poll_until(10s, [&] { return f.receiver.spans().size() == 1; }));
  EXPECT_EQ(f.receiver.spans()[0].name, "invoke_agent session");
  auto o = f.options();
  o.endpoint = "localhost:4318";
  EXPECT_THROW(net::otlp_exporter{o}, std::invalid_argument);
}
