// The metrics registry's text format (checked by promtool, as Prometheus
// reads it), and the metrics the node counts from its traced calls.
#include <cstdio>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/metrics/node_metrics.hpp"
#include "runtime/trace/call_metrics.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

/// What `promtool check metrics` says of `text`: its exit code and output.
std::pair<int, std::string> promtool_check(const std::string& text) {
  test::temp_dir dir{"boocode-promtool"};
  auto in = dir.path() / "metrics.txt";
  auto out = dir.path() / "out.txt";
  std::ofstream{in} << text;
  auto cmd = "promtool check metrics < " + in.string() + " > " + out.string() + " 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream said{out};
  std::string text_out{std::istreambuf_iterator<char>{said}, {}};
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, text_out};
}

trace::trace_record call(trace::call_kind kind, std::string tool, std::string model,
                         trace::outcome o, double latency_ms) {
  auto s = std::make_shared<trace::trace_start>();
  s->id = "x.1";
  s->chat_id = "c_1";
  s->kind = kind;
  s->tool = std::move(tool);
  s->model = std::move(model);
  trace::trace_record r{s, {}};
  r.end.outcome = o;
  r.end.latency_ms = latency_ms;
  return r;
}

} // namespace

TEST(MetricsTest, RendersEveryKindInTheTextFormatPromtoolAccepts) {
  metrics::registry r;
  auto calls = r.counters("demo_calls_total", "Calls by tool.", {"tool", "outcome"});
  calls.with({"read_file", "ok"}).inc();
  calls.with({"read_file", "ok"}).inc(2);
  calls.with({"say \"hi\"\nthere\\", "error"}).inc(); // escaped in the output
  r.gauges("demo_open", "Open things.").with({}).set(7);
  auto h = r.histograms("demo_seconds", "Latency.", {0.1, 1}, {"tool"});
  h.with({"a"}).observe(0.05);
  h.with({"a"}).observe(0.5);
  h.with({"a"}).observe(5);
  r.collect("demo_depth", "Read when scraped.", metrics::metric_type::gauge, {"queue"}, [] {
    return std::vector<metrics::reading>{{{"traces"}, 3}, {{"spans"}, 4}};
  });
  r.collect("demo_dropped_total", "A counter read when scraped.", metrics::metric_type::counter, {},
            [] {
              return std::vector<metrics::reading>{{{}, 9}};
            });

  auto text = r.render();
  EXPECT_THAT(text, HasSubstr("# TYPE demo_calls_total counter"));
  EXPECT_THAT(text, HasSubstr("demo_calls_total{outcome=\"ok\",tool=\"read_file\"} 3"));
  EXPECT_THAT(text, HasSubstr(R"(tool="say \"hi\"\nthere\\")"));
  EXPECT_THAT(text, HasSubstr("demo_open 7"));
  EXPECT_THAT(text, HasSubstr("demo_seconds_bucket{tool=\"a\",le=\"0.1\"} 1"));
  EXPECT_THAT(text, HasSubstr("demo_seconds_bucket{tool=\"a\",le=\"1\"} 2"));
  EXPECT_THAT(text, HasSubstr("demo_seconds_bucket{tool=\"a\",le=\"+Inf\"} 3"));
  EXPECT_THAT(text, HasSubstr("demo_seconds_count{tool=\"a\"} 3"));
  EXPECT_THAT(text, HasSubstr("demo_depth{queue=\"spans\"} 4"));
  EXPECT_THAT(text, HasSubstr("# TYPE demo_dropped_total counter\ndemo_dropped_total 9"));
  auto [rc, said] = promtool_check(text);
  EXPECT_EQ(rc, 0) << said << "\n" << text;
}

TEST(MetricsTest, PromtoolRefusesWhatIsNotTheFormat) {
  // The check above can fail: promtool is really reading the text.
  auto [rc, said] = promtool_check("demo_total{unclosed 1\n");
  EXPECT_NE(rc, 0) << said;
}

TEST(MetricsTest, BadOrRepeatedNamesAndWrongLabelCountsAreRefused) {
  metrics::registry r;
  EXPECT_THROW(r.counters("bad-name", "x"), std::invalid_argument);
  EXPECT_THROW(r.counters("ok_total", "x", {"le"}), std::invalid_argument);
  r.counters("ok_total", "x", {"a"});
  EXPECT_THROW(r.gauges("ok_total", "again"), std::invalid_argument);
  EXPECT_THROW(r.collect("ok_total", "again", metrics::metric_type::gauge, {}, {}),
               std::invalid_argument);
  auto f = r.counters("two_total", "x", {"a", "b"});
  EXPECT_THROW(f.with({"only one"}), std::invalid_argument);
  // The same labels give the same series.
  f.with({"1", "2"}).inc();
  f.with({"1", "2"}).inc();
  EXPECT_EQ(f.with({"1", "2"}).value(), 2);
}

TEST(MetricsTest, HandlesMadeByDefaultCountNothing) {
  metrics::counter c;
  metrics::gauge g;
  metrics::histogram h;
  metrics::counter_family f;
  c.inc();
  g.set(3);
  h.observe(1);
  f.with({"x"}).inc();
  EXPECT_EQ(c.value(), 0);
  EXPECT_EQ(g.value(), 0);
}

TEST(CallMetricsTest, CountsModelCallsTokensCostAndToolCalls) {
  metrics::registry r;
  metrics::node_metrics m{r};
  auto prices = model::price_table::shipped();
  prices.set("deepseek-chat", {1, 1, 2, 0});
  trace::call_metrics observer{m, prices, [](std::string_view model) {
                                 return model == "deepseek-chat" ? "deepseek" : "other";
                               }};
  auto model_call =
    call(trace::call_kind::model, "model", "deepseek-chat", trace::outcome::ok, 800);
  model_call.end.ttft_ms = 120;
  model::token_usage u;
  u.prompt = 1'000'000;
  u.cache_hit = 900'000;
  u.cache_miss = 100'000;
  u.completion = 1'000'000;
  u.reasoning = 400;
  u.reported = true;
  model_call.end.usage = u;
  observer.observe(model_call);
  observer.observe(
    call(trace::call_kind::model, "model", "deepseek-chat", trace::outcome::timeout, 30'000));
  observer.observe(call(trace::call_kind::tool, "read_file", "", trace::outcome::ok, 2));
  observer.observe(call(trace::call_kind::tool, "read_file", "", trace::outcome::denied, 1));
  observer.observe(call(trace::call_kind::tool, "run_command", "", trace::outcome::ok, 1500));

  auto text = r.render();
  EXPECT_THAT(
    text,
    HasSubstr(
      R"(boocode_model_calls_total{model="deepseek-chat",outcome="ok",provider="deepseek"} 1)"));
  EXPECT_THAT(
    text,
    HasSubstr(
      R"(boocode_model_calls_total{model="deepseek-chat",outcome="timeout",provider="deepseek"} 1)"));
  EXPECT_THAT(
    text,
    HasSubstr(
      R"(boocode_model_tokens_total{kind="cache_hit",model="deepseek-chat",provider="deepseek"} 900000)"));
  EXPECT_THAT(
    text,
    HasSubstr(
      R"(boocode_model_tokens_total{kind="reasoning",model="deepseek-chat",provider="deepseek"} 400)"));
  EXPECT_THAT(text, Not(HasSubstr(R"(kind="cache_write")"))); // none were written
  // 0.1M input × 1 + 0.9M cached × 1 + 1M output × 2 (USD per million) = 3 USD.
  EXPECT_THAT(
    text,
    HasSubstr(R"(boocode_model_cost_usd_total{model="deepseek-chat",provider="deepseek"} 3)"));
  EXPECT_THAT(
    text,
    HasSubstr(
      R"(boocode_model_time_to_first_token_seconds_count{model="deepseek-chat",provider="deepseek"} 1)"));
  EXPECT_THAT(
    text,
    HasSubstr(R"(boocode_model_call_seconds_count{model="deepseek-chat",provider="deepseek"} 2)"));
  EXPECT_THAT(text, HasSubstr(R"(boocode_tool_calls_total{outcome="denied",tool="read_file"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(boocode_tool_calls_total{outcome="ok",tool="read_file"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(boocode_tool_call_seconds_bucket{tool="run_command",le="1"} 0)"));
  EXPECT_THAT(text,
              HasSubstr(R"(boocode_tool_call_seconds_bucket{tool="run_command",le="2.5"} 1)"));
  auto [rc, said] = promtool_check(text);
  EXPECT_EQ(rc, 0) << said;
}

TEST(CallMetricsTest, AnObservedSinkShowsEachCallToItsObserversThenStoresIt) {
  struct recording final : trace::trace_sink, trace::trace_observer {
    std::vector<std::string> seen;
    void started(std::shared_ptr<const trace::trace_start>) override {
      seen.emplace_back("started");
    }
    void finished(trace::trace_record r) override { seen.push_back("stored " + r.start->tool); }
    void observe(const trace::trace_record& r) override { seen.push_back("saw " + r.start->tool); }
  };
  auto both = std::make_shared<recording>();
  trace::observed_sink sink{both, {both}};
  auto r = call(trace::call_kind::tool, "read_file", "", trace::outcome::ok, 1);
  sink.started(r.start);
  sink.finished(r);
  EXPECT_EQ(both->seen, (std::vector<std::string>{"started", "saw read_file", "stored read_file"}));
}
