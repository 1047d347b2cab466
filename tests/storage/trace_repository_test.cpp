// tool_traces against a real PostgreSQL: batch inserts, keyset pages, filters, refusals,
// usage sums and an agent's last model call.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "runtime/protocol/prompt_cache.hpp"
#include "runtime/protocol/traces.hpp"
#include "storage/chat_repository.hpp"
#include "storage/storage_error.hpp"
#include "storage/trace_repository.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;

namespace {

class TraceRepositoryTest : public ::testing::Test {
protected:
  void SetUp() override {
    storage::chat_repository chats{db_.conninfo()};
    for (auto id : {"c_1", "c_2"}) {
      chat::chat_record c;
      c.id = id;
      c.workspace = "/w";
      c.title = id;
      chats.create_chat(c);
    }
  }

  trace::trace_record row(const std::string& id, const std::string& tool = "read_file",
                          trace::outcome o = trace::outcome::ok, const std::string& chat = "c_1") {
    auto s = std::make_shared<trace::trace_start>();
    s->id = id;
    s->chat_id = chat;
    s->turn = 1;
    s->tool = tool;
    s->call_id = "call_" + id;
    s->actor = {protocol::actor_kind::session, chat, ""};
    s->input = nlohmann::json{{"path", "src/" + id}}.dump();
    s->started_us = 1'795'000'000'000'000 + static_cast<int64_t>(next_++) * 1000;
    trace::trace_record r{s, {}};
    r.end.finished_us = s->started_us + 2500;
    r.end.latency_ms = 2.5;
    r.end.outcome = o;
    r.end.output = "out of " + id;
    r.end.tokens_used = 3;
    return r;
  }

  std::vector<std::string> ids(const trace::trace_page& p) {
    std::vector<std::string> out;
    for (auto& r : p.items)
      out.push_back(r.start->id);
    return out;
  }

  test::test_database db_;
  storage::trace_repository repo_{db_.conninfo()};
  int next_ = 0;
};

} // namespace

TEST_F(TraceRepositoryTest, ARowRoundTripsEveryField) {
  auto model = row("m1", "model");
  auto s = std::make_shared<trace::trace_start>(*model.start);
  s->kind = trace::call_kind::model;
  s->model = "deepseek-chat";
  s->actor.parent_id = "t_parent";
  s->input = R"({"messages":3,"model":"deepseek-chat","tools":6})";
  model.start = s;
  model.end.ttft_ms = 120.25;
  model.end.usage = model::token_usage{1000, 800, 200, 0, 50, 20, true};
  model.end.tokens_used = 1050;
  model.end.cache_tokens = 800;
  model.end.reasoning_tokens = 20;
  model.end.finish_reason = "tool_calls";
  model.end.attempts = 2;
  auto cmd = row("r1", "run_command", trace::outcome::timeout);
  cmd.end.exit_code = 137;
  cmd.end.error = "timed out after 30 s";
  repo_.insert({model, cmd});

  auto page = repo_.page("c_1", {});
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_FALSE(page.next_cursor);
  EXPECT_EQ(protocol::to_json(page.items[0]), protocol::to_json(model));
  EXPECT_EQ(protocol::to_json(page.items[1]), protocol::to_json(cmd));
}

TEST_F(TraceRepositoryTest, PagesFollowWriteOrderAndNeverRepeatOrSkipUnderInserts) {
  std::vector<trace::trace_record> batch;
  for (int i = 0; i < 5; ++i)
    batch.push_back(row("a" + std::to_string(i)));
  repo_.insert(batch);
  trace::trace_query q;
  q.limit = 2;
  auto p1 = repo_.page("c_1", q);
  EXPECT_EQ(ids(p1), (std::vector<std::string>{"a0", "a1"}));
  ASSERT_TRUE(p1.next_cursor);
  // New traces land while the client pages: they come after, nothing shifts.
  repo_.insert({row("b0"), row("b1", "read_file", trace::outcome::ok, "c_2")});
  q.cursor = p1.next_cursor;
  auto p2 = repo_.page("c_1", q);
  EXPECT_EQ(ids(p2), (std::vector<std::string>{"a2", "a3"}));
  q.cursor = p2.next_cursor;
  auto p3 = repo_.page("c_1", q);
  EXPECT_EQ(ids(p3), (std::vector<std::string>{"a4", "b0"}));
  EXPECT_FALSE(p3.next_cursor) << "the last page has no cursor";
  EXPECT_EQ(ids(repo_.page("c_2", {})), (std::vector<std::string>{"b1"}));
}

TEST_F(TraceRepositoryTest, FiltersByToolAndOutcome) {
  repo_.insert({row("x1", "read_file"), row("x2", "run_command", trace::outcome::error),
                row("x3", "run_command"), row("x4", "model", trace::outcome::error)});
  trace::trace_query q;
  q.tool = "run_command";
  EXPECT_EQ(ids(repo_.page("c_1", q)), (std::vector<std::string>{"x2", "x3"}));
  q.outcome = trace::outcome::error;
  EXPECT_EQ(ids(repo_.page("c_1", q)), (std::vector<std::string>{"x2"}));
  q.tool.clear();
  EXPECT_EQ(ids(repo_.page("c_1", q)), (std::vector<std::string>{"x2", "x4"}));
  EXPECT_TRUE(repo_.page("c_unknown", {}).items.empty());
}

TEST_F(TraceRepositoryTest, WritingABatchAgainStoresItOnce) {
  std::vector<trace::trace_record> batch{row("d1"), row("d2")};
  repo_.insert(batch);
  repo_.insert(batch);
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM tool_traces"), "2");
}

TEST_F(TraceRepositoryTest, ARefusedRowIsARefusalNotAnOutage) {
  // An unknown chat breaks the foreign key: repeating will not help.
  try {
    repo_.insert({row("e1", "read_file", trace::outcome::ok, "c_missing")});
    FAIL() << "expected a storage_error";
  } catch (const storage::storage_unavailable&) {
    FAIL() << "a refusal must not look like an outage";
  } catch (const storage::storage_error&) {
  }
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM tool_traces"), "0");
  // The connection is usable afterwards.
  repo_.insert({row("e2")});
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM tool_traces"), "1");
}

TEST(TraceRepositoryOutageTest, AnUnreachableDatabaseIsAnOutage) {
  storage::trace_repository repo{"host=/nonexistent-dir port=1 dbname=x connect_timeout=1"};
  EXPECT_THROW(repo.insert({trace::trace_record{std::make_shared<trace::trace_start>(), {}}}),
               storage::storage_unavailable);
}

namespace {

/// A model call of `actor` (its own chat) in `turn`, with usage and a prompt cache.
trace::trace_record model_call(const std::string& id, const std::string& actor, int turn,
                               uint64_t prompt, uint64_t hit, bool broke, int64_t at_us) {
  auto s = std::make_shared<trace::trace_start>();
  s->id = id;
  s->chat_id = actor;
  s->turn = turn;
  s->kind = protocol::trace_kind::model;
  s->tool = "model";
  s->model = "deepseek-chat";
  s->actor = {protocol::kind_of_actor(actor), actor, ""};
  s->started_us = at_us;
  s->input = R"({"messages":1,"model":"deepseek-chat","tools":1})";
  trace::trace_record r{s, {}};
  r.end.finished_us = at_us + 1000;
  model::token_usage u;
  u.prompt = prompt;
  u.cache_hit = hit;
  u.cache_miss = prompt - hit;
  u.completion = 10;
  u.reported = true;
  r.end.usage = u;
  model::cache_report c;
  c.shape.segments = {{model::segment_kind::system, "", 400, 100, 0xabc, 0, 0}};
  c.shape.prompt_tokens = prompt;
  c.shape.cached_tokens = hit;
  c.cost_usd = 0.001;
  c.saved_usd = 0.0005;
  if (broke) {
    c.broke.emplace();
    c.broke->causes = {model::break_cause::evicted};
  }
  c.message_hashes = {1, 2, 3};
  r.end.prompt_cache = std::make_shared<trace::prompt_cache_trace>(trace::prompt_cache_trace{
    protocol::prompt_cache_json(c), protocol::message_hashes_text(c.message_hashes)});
  return r;
}

} // namespace

TEST_F(TraceRepositoryTest, UsageSumsAChatWithTheAgentsItStarted) {
  {
    pqxx::connection c{db_.conninfo()};
    pqxx::work tx{c};
    // A subagent of c_1, a workflow run of c_1 and one of its steps.
    tx.exec("INSERT INTO chats (id, workspace, title, kind, parent_chat) VALUES"
            " ('t_0000000000000001', '/w', 't', 'subagent', 'c_1'),"
            " ('w_0000000000000001', '/w', 'w', 'subagent', 'c_1'),"
            " ('s_0000000000000001', '/w', 's', 'subagent', 'w_0000000000000001')");
    tx.commit();
  }
  int64_t t = 1'795'000'000'000'000;
  repo_.insert({model_call("m1", "c_1", 1, 4000, 0, false, t),
                model_call("m2", "c_1", 2, 5000, 4096, false, t + 10),
                model_call("m3", "c_1", 2, 5200, 0, true, t + 20),
                model_call("m4", "t_0000000000000001", 1, 3000, 2048, false, t + 30),
                model_call("m5", "s_0000000000000001", 1, 2000, 1024, false, t + 40),
                model_call("m6", "c_2", 1, 9999, 9999, false, t + 50)});
  auto s = trace::summarise("c_1", repo_.usage("c_1"));
  EXPECT_EQ(s.own.calls, 3);
  EXPECT_EQ(s.own.usage.prompt, 14200u);
  EXPECT_EQ(s.own.breaks, 1);
  ASSERT_EQ(s.turns.size(), 2u);
  EXPECT_EQ(s.turns[1].first, 2);
  EXPECT_EQ(s.turns[1].second.usage.cache_hit, 4096u);
  ASSERT_EQ(s.subagents.size(), 1u);
  EXPECT_EQ(s.subagents[0].first, "t_0000000000000001");
  ASSERT_EQ(s.workflow_runs.size(), 1u);
  EXPECT_EQ(s.workflow_runs[0].first, "w_0000000000000001");
  EXPECT_EQ(s.workflow_runs[0].second.usage.prompt, 2000u);
  EXPECT_EQ(s.total.calls, 5) << "another chat's calls are not counted";
  EXPECT_NEAR(s.total.cost_usd, 0.005, 1e-9);
  EXPECT_NEAR(s.total.saved_usd, 0.0025, 1e-9);
  EXPECT_TRUE(repo_.usage("c_missing").empty());
}

TEST_F(TraceRepositoryTest, TheLastModelCallIsAnAgentsOwnOrItsForkSources) {
  int64_t t = 1'795'000'000'000'000;
  repo_.insert({model_call("m1", "c_1", 1, 4000, 0, false, t),
                model_call("m2", "c_1", 2, 5000, 4096, false, t + 10), row("r1")});
  auto last = repo_.last_model_call("c_1");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->trace_id, "m2");
  EXPECT_EQ(last->cached_tokens, 4096u);
  EXPECT_EQ(last->fingerprint.model, "deepseek-chat");
  EXPECT_EQ(last->fingerprint.system, 0xabcu);
  EXPECT_EQ(last->fingerprint.messages, (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(last->chat_id, "") << "its own";
  EXPECT_FALSE(repo_.last_model_call("c_2"));

  // A fork of c_1 with no call of its own compares with c_1's last.
  {
    pqxx::connection c{db_.conninfo()};
    pqxx::work tx{c};
    tx.exec(
      "INSERT INTO chats (id, workspace, title, forked_from) VALUES ('c_3', '/w', 'f', 'c_1')");
    tx.commit();
  }
  auto forked = repo_.last_model_call("c_3");
  ASSERT_TRUE(forked);
  EXPECT_EQ(forked->trace_id, "m2");
  EXPECT_EQ(forked->chat_id, "c_1");
}
