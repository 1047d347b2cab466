// tool_traces against a real PostgreSQL: batch inserts, keyset pages, filters, refusals.
#include <gtest/gtest.h>

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
