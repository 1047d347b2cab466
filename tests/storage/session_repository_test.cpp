// The durable session tables on a real PostgreSQL: leases and fencing, the
// inbox, the journal of a turn in progress and the checkpoint.
#include <latch>
#include <thread>

#include <gtest/gtest.h>

#include "storage/chat_repository.hpp"
#include "storage/session_repository.hpp"
#include "storage/storage_error.hpp"
#include "tests/support/sample_records.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;

namespace {

using test::is_iso_millis;

chat::chat_record new_chat(const std::string& id) {
  return test::sample_chat(id);
}

chat::message_record assistant(std::string text, std::vector<model::tool_call> calls = {}) {
  return test::sample_reply(std::move(text), std::move(calls));
}

/// A failed command's result, with a duration past 32 bits.
chat::message_record tool_result(std::string call_id, std::string text) {
  auto m = test::sample_tool_result(std::move(call_id), std::move(text));
  m.outcome = protocol::tool_outcome::error;
  m.exit_code = 2;
  m.duration_ms = 5'000'000'000LL;
  return m;
}

void expect_same(const chat::message_record& got, const chat::message_record& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.chat_id, want.chat_id);
  EXPECT_EQ(got.role, want.role);
  EXPECT_EQ(got.content, want.content);
  EXPECT_EQ(got.reasoning, want.reasoning);
  EXPECT_EQ(got.tool_calls, want.tool_calls);
  EXPECT_EQ(got.tool_call_id, want.tool_call_id);
  EXPECT_EQ(got.tool_name, want.tool_name);
  EXPECT_EQ(got.outcome, want.outcome);
  EXPECT_EQ(got.exit_code, want.exit_code);
  EXPECT_EQ(got.duration_ms, want.duration_ms);
  EXPECT_EQ(got.turn, want.turn);
  EXPECT_EQ(got.client_id, want.client_id);
  EXPECT_EQ(got.usage, want.usage);
  EXPECT_EQ(got.created_at, want.created_at);
}

struct fixture {
  test::test_database db;
  storage::chat_repository chats{db.conninfo()};
  storage::session_repository repo{db.conninfo()};
  fixture() {
    chats.create_chat(new_chat("c_1"));
    chats.create_chat(new_chat("c_2"));
  }
};

} // namespace

TEST(SessionRepositoryTest, LeasesStartAtEpochOneAndGrowByOne) {
  fixture f;
  auto a = f.repo.acquire_lease("c_1", "node-a");
  EXPECT_EQ(a.epoch, 1);
  EXPECT_EQ(a.node_id, "node-a");
  auto b = f.repo.acquire_lease("c_1", "node-b");
  EXPECT_EQ(b.epoch, 2);
  EXPECT_EQ(f.db.scalar("SELECT node_id FROM actor_leases WHERE actor_id = 'c_1'"), "node-b");
  EXPECT_EQ(f.repo.acquire_lease("c_2", "node-a").epoch, 1);
}

TEST(SessionRepositoryTest, AClientIdIsStoredOncePerChat) {
  fixture f;
  auto first = f.repo.post("c_1", "hello", "m-1");
  auto again = f.repo.post("c_1", "hello (resent)", "m-1");
  EXPECT_FALSE(first.duplicate);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.entry.id, first.entry.id);
  EXPECT_EQ(again.entry.content, "hello");
  EXPECT_TRUE(is_iso_millis(first.entry.created_at)) << first.entry.created_at;
  // The same client id in another chat is another message.
  auto other = f.repo.post("c_2", "hello", "m-1");
  EXPECT_FALSE(other.duplicate);
  EXPECT_NE(other.entry.id, first.entry.id);
  // No client id: no dedupe.
  auto a = f.repo.post("c_1", "same text", "");
  auto b = f.repo.post("c_1", "same text", "");
  EXPECT_FALSE(b.duplicate);
  EXPECT_NE(a.entry.id, b.entry.id);
  auto img = f.repo.load("c_1");
  ASSERT_TRUE(img);
  ASSERT_EQ(img->inbox.size(), 3u);
  EXPECT_TRUE(img->has_work());
  EXPECT_EQ(img->conversation().size(), 3u);
  EXPECT_FALSE(img->conversation()[0].turn);
  EXPECT_TRUE(f.repo.post("c_ghost", "hi", "").no_chat);
}

TEST(SessionRepositoryTest, ConcurrentResendsStoreOneMessage) {
  fixture f;
  constexpr int threads = 4;
  constexpr int rounds = 10;
  for (int round = 0; round < rounds; ++round) {
    auto client_id = "m-" + std::to_string(round);
    std::vector<storage::session_repository::posted> results(threads);
    std::vector<std::string> errors(threads);
    std::latch start{threads};
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i)
      workers.emplace_back([&, i] {
        try {
          storage::session_repository repo{f.db.conninfo()};
          repo.load("c_1"); // connect before the race starts
          start.arrive_and_wait();
          results[i] = repo.post("c_1", "hi", client_id);
        } catch (const std::exception& e) {
          errors[i] = e.what();
        }
      });
    for (auto& w : workers)
      w.join();
    int fresh = 0;
    for (int i = 0; i < threads; ++i) {
      EXPECT_EQ(errors[i], "") << "thread " << i;
      EXPECT_EQ(results[i].entry.id, results[0].entry.id) << "thread " << i;
      fresh += results[i].duplicate ? 0 : 1;
    }
    EXPECT_EQ(fresh, 1) << "round " << round;
  }
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM inbox"), std::to_string(rounds));
}

// A turn from its start to its checkpoint: the journal holds it meanwhile, the
// checkpoint moves it into messages (every field intact) in one transaction.
TEST(SessionRepositoryTest, ATurnIsJournaledThenCheckpointed) {
  fixture f;
  auto lease = f.repo.acquire_lease("c_1", "node-a");
  auto m1 = f.repo.post("c_1", "write a file, please", "m-17").entry;
  auto elsewhere = f.repo.post("c_2", "other chat", "").entry;
  auto begun = f.repo.begin_turn(lease, 1);
  EXPECT_EQ(begun.state, storage::turn_begun::started);
  ASSERT_EQ(begun.taken.size(), 1u);
  EXPECT_EQ(begun.taken[0].id, m1.id);
  EXPECT_EQ(begun.taken[0].client_id, "m-17");
  EXPECT_EQ(begun.taken[0].taken_turn, 1);
  EXPECT_EQ(f.chats.find_chat("c_1")->turns, 1);
  EXPECT_EQ(f.chats.find_chat("c_2")->turns, 0);

  auto reply = f.repo.journal_message(
    lease, 1, "r1",
    assistant("I'll write it: ünïcødé", {{"call_1", "run_command", R"({"argv":["ls"]})"}}));
  EXPECT_GT(reply.id, m1.id);
  EXPECT_EQ(reply.chat_id, "c_1");
  EXPECT_EQ(reply.turn, 1);
  EXPECT_TRUE(is_iso_millis(reply.created_at)) << reply.created_at;
  f.repo.journal(lease, 1, "t1.0", "intent", {{"name", "run_command"}});
  auto result = f.repo.journal_message(lease, 1, "t1.0", tool_result("call_1", "exit 2"));
  // A message sent during the turn waits for the next one.
  auto m2 = f.repo.post("c_1", "and another", "").entry;

  auto img = f.repo.load("c_1");
  ASSERT_TRUE(img && img->in_progress);
  EXPECT_EQ(img->in_progress->turn, 1);
  EXPECT_TRUE(img->history.empty());
  ASSERT_EQ(img->in_progress->entries.size(), 3u);
  ASSERT_TRUE(img->in_progress->find("r1", "message"));
  expect_same(*img->in_progress->find("r1", "message")->message, reply);
  EXPECT_EQ(img->in_progress->find("t1.0", "intent")->data["name"], "run_command");
  auto conv = img->conversation();
  ASSERT_EQ(conv.size(), 4u);
  EXPECT_EQ(conv[0].id, m1.id);
  EXPECT_EQ(conv[0].turn, 1);
  EXPECT_EQ(conv[1].id, reply.id);
  EXPECT_EQ(conv[2].id, result.id);
  EXPECT_EQ(conv[3].id, m2.id);
  EXPECT_FALSE(conv[3].turn);
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM messages"), "0");

  storage::checkpoint_request req;
  req.turn = 1;
  req.last_seq = 42;
  req.state = {{"turn", 1}, {"last_seq", 42}};
  f.repo.checkpoint(lease, req);
  auto history = f.chats.messages("c_1");
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].id, m1.id);
  EXPECT_EQ(history[0].client_id, "m-17");
  EXPECT_EQ(history[0].turn, 1);
  expect_same(history[1], reply);
  expect_same(history[2], result);
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM turn_journal"), "0");
  EXPECT_EQ(f.db.scalar("SELECT turn FROM agent_snapshots WHERE actor_id = 'c_1'"), "1");
  EXPECT_EQ(f.db.scalar("SELECT state->>'last_seq' FROM agent_snapshots"), "42");
  EXPECT_EQ(f.db.scalar("SELECT epoch FROM agent_snapshots"), "1");
  // The mailbox: the message still waiting.
  EXPECT_EQ(f.db.scalar("SELECT mailbox->0->>'id' FROM agent_snapshots"), std::to_string(m2.id));
  EXPECT_EQ(f.chats.find_chat("c_1")->last_seq, 42);
  img = f.repo.load("c_1");
  EXPECT_FALSE(img->in_progress);
  EXPECT_EQ(img->state["last_seq"], 42);
  ASSERT_EQ(img->inbox.size(), 1u);
  EXPECT_EQ(img->inbox[0].id, m2.id);
  EXPECT_TRUE(img->has_work());
  // The other chat's message was never touched.
  EXPECT_EQ(f.repo.load("c_2")->inbox.at(0).id, elsewhere.id);

  // Turn 2 takes the waiting message and comes after turn 1 in history.
  ASSERT_EQ(f.repo.begin_turn(lease, 2).taken.size(), 1u);
  f.repo.journal_message(lease, 2, "r1", assistant("ok"));
  req.turn = 2;
  f.repo.checkpoint(lease, req);
  history = f.chats.messages("c_1");
  ASSERT_EQ(history.size(), 5u);
  EXPECT_EQ(history[3].id, m2.id);
  EXPECT_EQ(history[4].content, "ok");
  EXPECT_FALSE(f.repo.load("c_1")->has_work());
  // Nothing waits: no turn begins.
  auto none = f.repo.begin_turn(lease, 3);
  EXPECT_EQ(none.state, storage::turn_begun::nothing_waiting);
  EXPECT_TRUE(none.taken.empty());
  EXPECT_EQ(f.chats.find_chat("c_1")->turns, 2);
}

// A session that kept the chat in memory begins its next turn in one round
// trip; if the chat moved on without it (its idea of the turn count is
// wrong), nothing is written and it must read the chat again.
TEST(SessionRepositoryTest, ATurnBeginsOnlyAfterTheTurnTheCallerKnows) {
  fixture f;
  auto lease = f.repo.acquire_lease("c_1", "node-a");
  auto m = f.repo.post("c_1", "hi", "").entry;
  auto stale = f.repo.begin_turn(lease, 3);
  EXPECT_EQ(stale.state, storage::turn_begun::stale);
  EXPECT_EQ(stale.turns, 0);
  EXPECT_TRUE(stale.taken.empty());
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM turn_journal"), "0");
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM inbox WHERE taken_turn IS NOT NULL"), "0");
  EXPECT_EQ(f.chats.find_chat("c_1")->turns, 0);
  auto begun = f.repo.begin_turn(lease, 1);
  ASSERT_EQ(begun.state, storage::turn_begun::started);
  EXPECT_EQ(begun.taken.at(0).id, m.id);
  // Archived: no turn begins, whatever waits, and nothing more is posted.
  f.repo.post("c_1", "more", "");
  f.db.scalar("UPDATE chats SET archived_at = now(), turns = 5 WHERE id = 'c_1' RETURNING 1");
  EXPECT_EQ(f.repo.begin_turn(lease, 6).state, storage::turn_begun::stale);
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM inbox WHERE taken_turn IS NULL"), "1");
  auto refused = f.repo.post("c_1", "after the archive", "m-9");
  EXPECT_TRUE(refused.archived);
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM inbox"), "2");
}

// A session that knows which messages it was given begins a turn with those
// alone; one that no longer waits (or another chat's) begins nothing.
TEST(SessionRepositoryTest, ATurnTakesOnlyTheMessagesItIsGiven) {
  fixture f;
  auto lease = f.repo.acquire_lease("c_1", "node-a");
  auto m1 = f.repo.post("c_1", "first", "").entry;
  auto m2 = f.repo.post("c_1", "second", "").entry;
  auto other = f.repo.post("c_2", "other chat", "").entry;
  std::vector<int64_t> given{m1.id};
  auto begun = f.repo.begin_turn(lease, 1, 4, &given);
  ASSERT_EQ(begun.state, storage::turn_begun::started);
  ASSERT_EQ(begun.taken.size(), 1u);
  EXPECT_EQ(begun.taken[0].id, m1.id);
  ASSERT_EQ(begun.ids.size(), 4u);
  EXPECT_GT(begun.ids[0], m2.id);
  EXPECT_EQ(f.db.scalar("SELECT taken_turn IS NULL FROM inbox WHERE id = " + std::to_string(m2.id)),
            "t");
  auto journal = f.db.scalar("SELECT count(*) FROM turn_journal");
  for (const std::vector<int64_t>& stale :
       {std::vector<int64_t>{m1.id}, std::vector<int64_t>{m2.id, other.id}}) {
    auto none = f.repo.begin_turn(lease, 2, 4, &stale);
    EXPECT_EQ(none.state, storage::turn_begun::stale);
    EXPECT_TRUE(none.taken.empty());
    EXPECT_TRUE(none.ids.empty());
  }
  EXPECT_EQ(f.chats.find_chat("c_1")->turns, 1);
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM turn_journal"), journal);
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM inbox WHERE taken_turn IS NULL"), "2");
}

// A reply and the intent of the call it starts with are one commit; a
// tool's result and the next call's intent too; the checkpoint stores the
// turn's answer after the journaled messages.
TEST(SessionRepositoryTest, StepsShareTheirCommitsAndTheCheckpointStoresTheAnswer) {
  fixture f;
  auto lease = f.repo.acquire_lease("c_1", "node-a");
  f.repo.post("c_1", "two things", "");
  ASSERT_EQ(f.repo.begin_turn(lease, 1).state, storage::turn_begun::started);
  chat::tool_intent first{"t1.0", "run_command", R"({"argv":["ls"]})"};
  chat::tool_intent second{"t1.1", "read_file", R"({"path":"a"})"};
  auto reply =
    f.repo.journal_message(lease, 1, "r1",
                           assistant("two calls", {{"a", "run_command", first.arguments},
                                                   {"b", "read_file", second.arguments}}),
                           &first);
  auto one = f.repo.journal_message(lease, 1, "t1.0", tool_result("a", "ls output"), &second);
  auto img = f.repo.load("c_1");
  ASSERT_TRUE(img->in_progress);
  ASSERT_NE(img->in_progress->find("t1.0", "intent"), nullptr);
  EXPECT_EQ(img->in_progress->find("t1.0", "intent")->data, first.data());
  ASSERT_NE(img->in_progress->find("t1.1", "intent"), nullptr);
  EXPECT_EQ(img->in_progress->find("t1.1", "intent")->data["name"], "read_file");
  EXPECT_EQ(img->in_progress->find("t1.1", "message"), nullptr);
  auto two = f.repo.journal_message(lease, 1, "t1.1", tool_result("b", "text of a"));

  auto answer = assistant("both done");
  storage::checkpoint_request req;
  req.turn = 1;
  req.state = nlohmann::json::object();
  req.model_calls = 2;
  f.repo.checkpoint(lease, req, &answer);
  EXPECT_GT(answer.id, two.id);
  EXPECT_EQ(answer.turn, 1);
  EXPECT_TRUE(is_iso_millis(answer.created_at)) << answer.created_at;
  auto history = f.chats.messages("c_1");
  ASSERT_EQ(history.size(), 5u);
  EXPECT_EQ(history[1].id, reply.id);
  EXPECT_EQ(history[2].id, one.id);
  EXPECT_EQ(history[3].id, two.id);
  expect_same(history[4], answer);
  EXPECT_EQ(f.chats.timeline("c_1").at(0).tool_calls, 2);
}

// Once another owner took the lease, every write of the old one fails and
// changes nothing.
TEST(SessionRepositoryTest, AFencedOwnerCannotWrite) {
  fixture f;
  auto old_owner = f.repo.acquire_lease("c_1", "node-a");
  f.repo.post("c_1", "hi", "");
  ASSERT_EQ(f.repo.begin_turn(old_owner, 1).taken.size(), 1u);
  f.repo.journal_message(old_owner, 1, "r1", assistant("working", {{"c", "run_command", "{}"}}));
  auto new_owner = f.repo.acquire_lease("c_1", "node-b");
  EXPECT_EQ(new_owner.epoch, 2);
  EXPECT_THROW(f.repo.journal_message(old_owner, 1, "t1.0", tool_result("c", "x")),
               storage::fenced);
  EXPECT_THROW(f.repo.journal(old_owner, 1, "t1.0", "intent", {}), storage::fenced);
  storage::checkpoint_request req;
  req.turn = 1;
  req.state = nlohmann::json::object();
  EXPECT_THROW(f.repo.checkpoint(old_owner, req), storage::fenced);
  f.repo.post("c_1", "more", "");
  EXPECT_THROW(f.repo.begin_turn(old_owner, 2), storage::fenced);
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM turn_journal WHERE kind <> 'start'"), "1");
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM messages"), "0");
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM agent_snapshots"), "0");
  // The new owner continues the turn.
  f.repo.journal_message(new_owner, 1, "t1.0", tool_result("c", "x"));
  f.repo.checkpoint(new_owner, req);
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM messages"), "3");
  EXPECT_EQ(f.db.scalar("SELECT epoch FROM agent_snapshots"), "2");
}

// The timeline lists finished turns with their summary and the turn in
// progress; a fork copies the conversation up to a finished turn.
TEST(SessionRepositoryTest, TheTimelineAndAForkFollowTheCheckpoints) {
  fixture f;
  auto lease = f.repo.acquire_lease("c_1", "node-a");
  auto run_turn = [&](int turn, const std::string& text) {
    f.repo.post("c_1", text, "");
    f.repo.begin_turn(lease, turn);
    f.repo.journal_message(lease, turn, "r1", assistant("calling", {{"c", "run_command", "{}"}}));
    f.repo.journal_message(lease, turn, "t1.0", tool_result("c", "out"));
    f.repo.journal_message(lease, turn, "r2", assistant("done"));
    storage::checkpoint_request req;
    req.turn = turn;
    req.state = nlohmann::json::object();
    req.outcome = turn == 2 ? protocol::turn_outcome::error : protocol::turn_outcome::completed;
    req.error = turn == 2 ? "the model failed" : "";
    req.usage = model::token_usage{100, 60, 40, 0, 10, 0, true};
    req.model_calls = 2;
    f.repo.checkpoint(lease, req);
  };
  run_turn(1, "first question");
  run_turn(2, std::string(300, 'x'));
  f.repo.post("c_1", "third", "");
  f.repo.begin_turn(lease, 3);
  auto tl = f.chats.timeline("c_1");
  ASSERT_EQ(tl.size(), 3u);
  EXPECT_EQ(tl[0].turn, 1);
  EXPECT_EQ(tl[0].outcome, protocol::turn_outcome::completed);
  EXPECT_EQ(tl[0].preview, "first question");
  EXPECT_EQ(tl[0].model_calls, 2);
  EXPECT_EQ(tl[0].tool_calls, 1);
  EXPECT_EQ(tl[0].usage.prompt, 100u);
  ASSERT_TRUE(tl[0].duration_ms);
  EXPECT_GE(*tl[0].duration_ms, 0);
  EXPECT_TRUE(is_iso_millis(*tl[0].finished_at));
  EXPECT_EQ(tl[1].outcome, protocol::turn_outcome::error);
  EXPECT_EQ(tl[1].error, "the model failed");
  EXPECT_EQ(tl[1].preview.size(), 120u);
  EXPECT_EQ(tl[2].outcome, std::nullopt); // running
  EXPECT_EQ(tl[2].preview, "third");
  EXPECT_FALSE(tl[2].finished_at);
  ASSERT_TRUE(tl[2].first_message_id);

  chat::chat_record fork = new_chat("c_fork");
  auto made = f.chats.fork_chat("c_1", 1, fork);
  EXPECT_EQ(made.turns, 1);
  auto copied = f.chats.messages("c_fork");
  ASSERT_EQ(copied.size(), 4u);
  EXPECT_EQ(copied[0].content, "first question");
  EXPECT_EQ(copied[3].content, "done");
  EXPECT_EQ(f.chats.timeline("c_fork").size(), 1u);
  // Its usage totals come from the turns it took.
  EXPECT_EQ(f.repo.load("c_fork")->state["usage"]["prompt"], 100);
  EXPECT_FALSE(f.repo.load("c_fork")->has_work());
  // A turn in progress cannot be forked; nothing is created.
  EXPECT_THROW(f.chats.fork_chat("c_1", 3, new_chat("c_bad")), storage::storage_error);
  EXPECT_FALSE(f.chats.find_chat("c_bad"));
}

// Storage is keyed by actor: an actor that is no chat (a subagent) has an
// inbox, a journal and a snapshot of its own; an inbox entry says what it is,
// and a turn takes and reports it with its kind.
TEST(SessionRepositoryTest, InboxJournalAndSnapshotsAreKeyedByActorWithAnEntryKind) {
  fixture f;
  f.db.scalar("INSERT INTO inbox (actor_id, content, kind) VALUES ('sa_1', 'done: 3 files',"
              " 'notification') RETURNING 1");
  f.db.scalar("INSERT INTO turn_journal (actor_id, turn, step, kind, payload, epoch)"
              " VALUES ('sa_1', 1, '', 'start', '{}', 1) RETURNING 1");
  f.db.scalar("INSERT INTO agent_snapshots (actor_id, turn, state, mailbox, node_id, epoch)"
              " VALUES ('sa_1', 1, '{}', '[]', 'n', 1) RETURNING 1");
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM inbox WHERE actor_id = 'sa_1'"), "1");
  EXPECT_THROW(f.db.scalar("INSERT INTO inbox (actor_id, content, kind) VALUES ('c_1', 'x',"
                           " 'gossip') RETURNING 1"),
               std::exception);
  // A chat's own entries: a user's message as posted, a notification as stored.
  auto posted = f.repo.post("c_1", "hello", "m-1");
  EXPECT_EQ(posted.entry.kind, chat::inbox_kind::user_message);
  EXPECT_EQ(f.repo.post("c_1", "hello", "m-1").entry.kind, chat::inbox_kind::user_message);
  f.db.scalar("INSERT INTO inbox (actor_id, content, kind) VALUES ('c_1', 'subagent finished',"
              " 'notification') RETURNING 1");
  auto img = f.repo.load("c_1");
  ASSERT_TRUE(img);
  ASSERT_EQ(img->inbox.size(), 2u);
  EXPECT_EQ(img->inbox[0].kind, chat::inbox_kind::user_message);
  EXPECT_EQ(img->inbox[1].kind, chat::inbox_kind::notification);
  auto lease = f.repo.acquire_lease("c_1", "node-a");
  auto begun = f.repo.begin_turn(lease, 1);
  ASSERT_EQ(begun.taken.size(), 2u);
  EXPECT_EQ(begun.taken[1].kind, chat::inbox_kind::notification);
  EXPECT_EQ(begun.taken[1].content, "subagent finished");
}
