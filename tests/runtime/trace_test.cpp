// The trace records, their JSON, the API's query parameters and the bounded trace queue.
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include "runtime/protocol/frames.hpp"
#include "runtime/protocol/traces.hpp"
#include "runtime/trace/trace_query.hpp"
#include "runtime/trace/trace_queue.hpp"
#include "runtime/trace/tracer.hpp"

using namespace boocode;
using namespace boocode::trace;
using nlohmann::json;
using ::testing::HasSubstr;

namespace {

trace_record finished_call(std::string id, std::string tool = "read_file",
                           int64_t started_us = 1'000'000) {
  auto s = std::make_shared<trace_start>();
  s->id = std::move(id);
  s->chat_id = "c_1";
  s->turn = 2;
  s->tool = std::move(tool);
  s->call_id = "call_9";
  s->actor = {protocol::actor_kind::session, "c_1", ""};
  s->input = R"({"path":"a.txt"})";
  s->started_us = started_us;
  trace_record r{s, {}};
  r.end.finished_us = started_us + 1500;
  r.end.latency_ms = 1.5;
  r.end.output = "hello";
  r.end.tokens_used = 2;
  return r;
}

/// The frames of a call as the session would send them.
json start_frame(std::shared_ptr<const trace_start> s) {
  return json::parse(protocol::chat_frame("c_1", 1, call_started{std::move(s)}));
}
json finish_frame(const trace_record& r) {
  return json::parse(protocol::chat_frame("c_1", 2, call_finished{r.start, r.end}));
}

std::variant<trace_query, std::string>
query(std::vector<std::pair<std::string, std::string>> params) {
  return parse_trace_query(params);
}

std::string query_error(std::vector<std::pair<std::string, std::string>> params) {
  auto q = query(std::move(params));
  return std::holds_alternative<std::string>(q) ? std::get<std::string>(q) : "";
}

} // namespace

TEST(TraceTest, IsoTimeKeepsMicroseconds) {
  EXPECT_EQ(iso_time(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(iso_time(1'795'000'000'123'456), "2026-11-18T11:06:40.123456Z");
  EXPECT_EQ(iso_time(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(TraceTest, ClipOutputMarksWhatWasLeftOut) {
  EXPECT_EQ(clip_output("short", 10), "short");
  auto clipped = clip_output(std::string(100, 'x'), 10);
  EXPECT_EQ(clipped.substr(0, 10), std::string(10, 'x'));
  EXPECT_THAT(clipped, HasSubstr("90 more bytes not kept"));
  // Never splits a UTF-8 sequence: "é" is two bytes.
  EXPECT_EQ(clip_output("aé", 2).substr(0, 2), "a\n");
}

TEST(TraceTest, IdsAreUniqueAcrossThreadsAndSources) {
  id_source a;
  id_source b;
  std::set<std::string> seen;
  std::mutex mtx;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        auto id = a.next();
        std::lock_guard guard{mtx};
        EXPECT_TRUE(seen.insert(id).second) << id;
      }
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(seen.size(), 4000u);
  EXPECT_FALSE(seen.count(b.next()));
}

TEST(TraceTest, ApiJsonAndFramesCarryTheDocumentedFields) {
  auto tool = finished_call("t1");
  tool.end.exit_code = 3;
  auto j = protocol::to_json(tool);
  for (auto* key : {"id",          "chat_id",      "turn",
                    "kind",        "tool",         "call_id",
                    "actor_kind",  "actor_id",     "parent_id",
                    "input",       "output",       "started_at",
                    "finished_at", "latency_ms",   "ttft_ms",
                    "outcome",     "error",        "exit_code",
                    "tokens_used", "cache_tokens", "reasoning_tokens",
                    "usage",       "model",        "finish_reason",
                    "attempts"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["kind"], "tool");
  EXPECT_EQ(j["started_at"], "1970-01-01T00:00:01.000000Z");
  EXPECT_EQ(j["finished_at"], "1970-01-01T00:00:01.001500Z");
  EXPECT_EQ(j["exit_code"], 3);
  EXPECT_TRUE(j["parent_id"].is_null());
  EXPECT_TRUE(j["usage"].is_null());
  EXPECT_TRUE(j["error"].is_null());

  auto start = start_frame(tool.start);
  EXPECT_EQ(start["type"], "tool_trace_start");
  EXPECT_EQ(start["tool"], "read_file");
  EXPECT_EQ(start["input"]["path"], "a.txt");
  auto finish = finish_frame(tool);
  EXPECT_EQ(finish["type"], "tool_trace_finish");
  EXPECT_EQ(finish["output_preview"], "hello");
  EXPECT_EQ(finish["latency_ms"], 1.5);
  EXPECT_EQ(finish["outcome"], "ok");

  model::model_reply reply;
  reply.message.content = std::string(5000, 'a');
  reply.finish_reason = "stop";
  reply.attempts = 2;
  reply.usage = {1000, 800, 200, 0, 50, 20, true};
  auto s = std::make_shared<trace_start>(*tool.start);
  s->kind = call_kind::model;
  s->tool = "model";
  s->model = "deepseek-chat";
  trace_record m{s, model_trace_end(reply)};
  auto mj = protocol::to_json(m);
  EXPECT_EQ(mj["kind"], "model");
  EXPECT_EQ(mj["usage"]["cache_hit"], 800);
  EXPECT_EQ(mj["tokens_used"], 1050);
  EXPECT_EQ(mj["cache_tokens"], 800);
  EXPECT_EQ(mj["reasoning_tokens"], 20);
  EXPECT_EQ(mj["attempts"], 2);
  EXPECT_EQ(mj["model"], "deepseek-chat");
  auto mf = finish_frame(m);
  EXPECT_EQ(mf["type"], "model_trace_finish");
  EXPECT_EQ(mf["usage"]["prompt"], 1000);
}

namespace {

/// Keeps the rows a tracer hands over.
struct kept_rows : trace_sink {
  std::vector<trace_record> rows;
  void started(std::shared_ptr<const trace_start>) override {}
  void finished(trace_record r) override { rows.push_back(std::move(r)); }
};

} // namespace

TEST(TraceTest, TheLiveFrameShowsAPreviewAndTheRowKeepsMore) {
  kept_rows sink;
  id_source ids;
  tracer t{&sink, &ids, "c_1", {}};
  std::vector<call_started> starts;
  std::vector<call_finished> finishes;
  t.set_emit([&](call_started e) { starts.push_back(std::move(e)); },
             [&](call_finished e) { finishes.push_back(std::move(e)); });
  model::model_reply reply;
  reply.message.content = std::string(5000, 'a');
  auto span = t.begin_model("deepseek-chat", 3, 7);
  t.commit(t.end_model(span, reply, std::nullopt));
  ASSERT_EQ(starts.size(), 1u);
  ASSERT_EQ(finishes.size(), 1u);
  ASSERT_EQ(sink.rows.size(), 1u);
  EXPECT_EQ(json::parse(starts[0].start->input),
            (json{{"model", "deepseek-chat"}, {"messages", 3}, {"tools", 7}}));
  auto preview = finish_frame({finishes[0].start, finishes[0].end})["output_preview"];
  EXPECT_LT(preview.get<std::string>().size(), preview_bytes + 100);
  EXPECT_THAT(preview.get<std::string>(), HasSubstr("more bytes not kept"));
  EXPECT_EQ(sink.rows[0].end.output, std::string(5000, 'a'));
}

TEST(TraceTest, FramesAreValidJsonWhateverTheText) {
  auto tool = finished_call("t\"1");
  auto s = std::make_shared<trace_start>(*tool.start);
  s->call_id = "a\\b\n\t\x01\"";
  s->input = json{{"text", "line\nnext \xff"}}.dump(-1, ' ', false, json::error_handler_t::replace);
  tool.start = s;
  tool.end.output = "bad utf8 \xc3\x28 and \"quotes\"\r\n";
  tool.end.error = "e";
  auto start = start_frame(s);
  EXPECT_EQ(start["id"], "t\"1");
  EXPECT_EQ(start["call_id"], "a\\b\n\t\x01\"");
  EXPECT_EQ(start["input"]["text"], "line\nnext \xef\xbf\xbd");
  auto finish = finish_frame(tool);
  EXPECT_EQ(finish["output_preview"], "bad utf8 \xef\xbf\xbd( and \"quotes\"\r\n");
  EXPECT_EQ(finish["error"], "e");
  EXPECT_TRUE(finish["exit_code"].is_null());
}

TEST(TraceTest, ToolResultsMapToOutcomesAndTokenEstimates) {
  tools::tool_result denied;
  denied.outcome = tools::tool_outcome::denied;
  denied.text = "path escapes the workspace: ../x";
  auto e = tool_trace_end(denied);
  EXPECT_EQ(e.outcome, outcome::denied);
  EXPECT_EQ(e.error, denied.text);
  tools::tool_result big;
  big.text = std::string(100'000, 'x');
  big.exit_code = 0;
  e = tool_trace_end(big);
  EXPECT_EQ(e.outcome, outcome::ok);
  EXPECT_TRUE(e.error.empty());
  EXPECT_EQ(e.tokens_used, 25'000u);
  EXPECT_LT(e.output.size(), max_output_bytes + 100);
  EXPECT_EQ(e.exit_code, 0);
}

TEST(TraceTest, AnUntracedTracerDoesNothing) {
  tracer t;
  EXPECT_FALSE(t.enabled());
  auto s = t.begin_tool("read_file", "c", "{}");
  EXPECT_FALSE(s.start);
  EXPECT_FALSE(t.end_tool(s, {}).record); // no crash, no frame, no row
}

TEST(TraceQueryTest, DefaultsAndValidParameters) {
  auto q = std::get<trace_query>(query({}));
  EXPECT_EQ(q.limit, 50);
  EXPECT_FALSE(q.cursor);
  q = std::get<trace_query>(
    query({{"limit", "500"}, {"cursor", "812"}, {"tool", "run_command"}, {"outcome", "denied"}}));
  EXPECT_EQ(q.limit, 500);
  EXPECT_EQ(q.cursor, 812);
  EXPECT_EQ(q.tool, "run_command");
  EXPECT_EQ(q.outcome, outcome::denied);
}

TEST(TraceQueryTest, BadParametersSayWhatIsWrong) {
  EXPECT_THAT(query_error({{"limit", "0"}}), HasSubstr("limit must be"));
  EXPECT_THAT(query_error({{"limit", "501"}}), HasSubstr("limit must be"));
  EXPECT_THAT(query_error({{"limit", "ten"}}), HasSubstr("limit must be"));
  EXPECT_THAT(query_error({{"limit", "5x"}}), HasSubstr("limit must be"));
  EXPECT_THAT(query_error({{"cursor", "-1"}}), HasSubstr("cursor is malformed"));
  EXPECT_THAT(query_error({{"cursor", "abc"}}), HasSubstr("cursor is malformed"));
  EXPECT_THAT(query_error({{"tool", ""}}), HasSubstr("tool must be"));
  EXPECT_THAT(query_error({{"tool", "Robert'); DROP"}}), HasSubstr("tool must be"));
  EXPECT_THAT(query_error({{"outcome", "fine"}}), HasSubstr("outcome must be one of"));
  EXPECT_THAT(query_error({{"order", "desc"}}), HasSubstr("unknown parameter order"));
  EXPECT_THAT(query_error({{"limit", "5"}, {"limit", "6"}}), HasSubstr("twice"));
}

TEST(TraceQueueTest, WakesOnceWhenRowsArriveInAnEmptyQueue) {
  trace_queue q{10};
  int wakes = 0;
  q.on_ready([&] { ++wakes; });
  q.finished(finished_call("a"));
  q.finished(finished_call("b"));
  EXPECT_EQ(wakes, 1);
  auto rows = q.take(10);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].start->id, "a");
  EXPECT_EQ(q.stats().pending, 2u); // taken, not yet written
  q.finished(finished_call("c"));
  EXPECT_EQ(wakes, 2);
  q.done(2);
  auto s = q.stats();
  EXPECT_EQ(s.written, 2u);
  EXPECT_EQ(s.pending, 1u);
}

TEST(TraceQueueTest, AFullQueueDropsCountsAndLogsButNeverBlocks) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto log = std::make_shared<spdlog::logger>("trace", sink);
  trace_queue q{3, log, std::chrono::hours(1)};
  for (int i = 0; i < 10; ++i)
    q.finished(finished_call("r" + std::to_string(i)));
  auto s = q.stats();
  EXPECT_EQ(s.pending, 3u);
  EXPECT_EQ(s.dropped, 7u);
  // One log line for the burst (then at most one per interval), naming the loss.
  log->flush();
  auto text = out.str();
  EXPECT_THAT(text, HasSubstr("trace queue full"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  // Rows being written still count against the bound.
  auto rows = q.take(3);
  q.finished(finished_call("late"));
  EXPECT_EQ(q.stats().dropped, 8u);
  q.done(3);
  q.finished(finished_call("later"));
  EXPECT_EQ(q.stats().pending, 1u);
}

TEST(TraceQueueTest, AFailedWriteGoesBackToTheFrontInOrder) {
  trace_queue q{10};
  for (auto id : {"a", "b", "c"})
    q.finished(finished_call(id));
  auto rows = q.take(2);
  q.finished(finished_call("d"));
  q.put_back(std::move(rows));
  auto again = q.take(10);
  ASSERT_EQ(again.size(), 4u);
  EXPECT_EQ(again[0].start->id, "a");
  EXPECT_EQ(again[1].start->id, "b");
  EXPECT_EQ(again[2].start->id, "c");
  EXPECT_EQ(again[3].start->id, "d");
  EXPECT_EQ(q.stats().failed_writes, 1u);
  q.rejected(1);
  q.done(3);
  EXPECT_EQ(q.stats().rejected, 1u);
  EXPECT_EQ(q.stats().written, 3u);
  EXPECT_EQ(q.stats().pending, 0u);
}

TEST(TraceQueueTest, CallsStillOpenAtShutdownBecomeInterrupted) {
  trace_queue q{10};
  auto open = finished_call("open", "run_command", 5'000'000).start;
  auto done = finished_call("done");
  q.started(open);
  q.started(done.start);
  q.finished(done);
  EXPECT_EQ(q.stats().open, 1u);
  q.interrupt_open(7'000'000);
  auto rows = q.take(10);
  ASSERT_EQ(rows.size(), 2u);
  auto& r = rows[1];
  EXPECT_EQ(r.start->id, "open");
  EXPECT_EQ(r.end.outcome, outcome::interrupted);
  EXPECT_EQ(r.end.finished_us, 7'000'000);
  EXPECT_DOUBLE_EQ(r.end.latency_ms, 2000.0);
  EXPECT_EQ(q.stats().open, 0u);
}
