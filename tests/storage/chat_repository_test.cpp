#include <latch>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "storage/chat_repository.hpp"
#include "storage/storage_error.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;

namespace {

chat::chat_record new_chat(const std::string& id) {
  chat::chat_record c;
  c.id = id;
  c.workspace = "/work/" + id;
  c.title = "title of " + id;
  return c;
}

bool is_iso_millis(const std::string& s) {
  static const std::regex iso{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"};
  return std::regex_match(s, iso);
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

} // namespace

TEST(ChatRepositoryTest, CreatesFindsAndListsNewestFirst) {
  test::test_database db;
  storage::chat_repository repo{db.conninfo()};
  auto with_build = new_chat("c_a");
  with_build.build_command = std::vector<std::string>{"make", "-k", "it's \"quoted\""};
  auto created = repo.create_chat(with_build);
  EXPECT_EQ(created.id, "c_a");
  EXPECT_EQ(created.workspace, "/work/c_a");
  EXPECT_EQ(created.title, "title of c_a");
  EXPECT_EQ(created.build_command, with_build.build_command);
  EXPECT_TRUE(is_iso_millis(created.created_at)) << created.created_at;
  EXPECT_FALSE(created.archived);
  EXPECT_EQ(created.last_seq, 0);
  EXPECT_EQ(created.turns, 0);
  repo.create_chat(new_chat("c_b"));
  repo.create_chat(new_chat("c_c"));

  db.scalar("UPDATE chats SET created_at = '2026-01-01T00:00:00.123Z' WHERE id = 'c_a'");
  db.scalar("UPDATE chats SET created_at = '2026-01-03T00:00:00Z' WHERE id = 'c_b'");
  db.scalar("UPDATE chats SET created_at = '2026-01-02T00:00:00Z' WHERE id = 'c_c'");
  auto found = repo.find_chat("c_a");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->created_at, "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(found->build_command, with_build.build_command);
  EXPECT_FALSE(repo.find_chat("c_b")->build_command);

  auto all = repo.list_chats();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "c_b");
  EXPECT_EQ(all[1].id, "c_c");
  EXPECT_EQ(all[2].id, "c_a");
  ASSERT_EQ(repo.list_chats(2).size(), 2u);

  // An id is taken once.
  EXPECT_THROW(repo.create_chat(new_chat("c_a")), storage::storage_error);
  EXPECT_EQ(repo.list_chats().size(), 3u);
}

TEST(ChatRepositoryTest, ArchivedChatsLeaveTheListButCanBeFound) {
  test::test_database db;
  storage::chat_repository repo{db.conninfo()};
  repo.create_chat(new_chat("c_keep"));
  repo.create_chat(new_chat("c_gone"));
  EXPECT_TRUE(repo.archive_chat("c_gone"));
  auto listed = repo.list_chats();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, "c_keep");
  auto gone = repo.find_chat("c_gone");
  ASSERT_TRUE(gone);
  EXPECT_TRUE(gone->archived);
  EXPECT_FALSE(repo.find_chat("c_keep")->archived);
  // Archiving again is harmless and keeps the first time.
  auto first = db.scalar("SELECT archived_at FROM chats WHERE id = 'c_gone'");
  EXPECT_TRUE(repo.archive_chat("c_gone"));
  EXPECT_EQ(db.scalar("SELECT archived_at FROM chats WHERE id = 'c_gone'"), first);
}

TEST(ChatRepositoryTest, UnknownIdsAreReported) {
  test::test_database db;
  storage::chat_repository repo{db.conninfo()};
  EXPECT_FALSE(repo.find_chat("c_ghost"));
  EXPECT_FALSE(repo.archive_chat("c_ghost"));
  EXPECT_TRUE(repo.messages("c_ghost").empty());
  EXPECT_TRUE(repo.pending_user_messages("c_ghost").empty());
  EXPECT_TRUE(repo.list_chats().empty());
  EXPECT_THROW(repo.append_user_message("c_ghost", "hi", ""), storage::storage_error);
  EXPECT_THROW(repo.append_user_message("c_ghost", "hi", "m-1"), storage::storage_error);
  chat::message_record m;
  m.chat_id = "c_ghost";
  m.role = "assistant";
  m.turn = 1;
  EXPECT_THROW(repo.append_message(m), storage::storage_error);
  EXPECT_THROW(repo.start_turn("c_ghost", 1, {}), storage::storage_error);
  EXPECT_THROW(repo.save_seq("c_ghost", 5), storage::storage_error);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM messages"), "0");
  // The repository still works after those failures.
  repo.create_chat(new_chat("c_1"));
  EXPECT_EQ(repo.list_chats().size(), 1u);
}

TEST(ChatRepositoryTest, EveryMessageFieldRoundTrips) {
  test::test_database db;
  storage::chat_repository repo{db.conninfo()};
  repo.create_chat(new_chat("c_1"));

  auto user = repo.append_user_message("c_1", "write a file, please", "m-17");
  EXPECT_FALSE(user.duplicate);

  chat::message_record assistant;
  assistant.chat_id = "c_1";
  assistant.role = "assistant";
  assistant.content = "I'll write it.\nThen run it: ünïcødé";
  assistant.reasoning = "The user wants a file.";
  assistant.tool_calls = {{"call_1", "write_file", R"({"path":"a.txt","content":"x"})"},
                          {"call_2", "run_command", R"({"argv":["ls"]} (malformed)"}};
  assistant.turn = 1;
  assistant.usage = model::token_usage{1200, 1000, 200, 0, 80, 30, true};
  auto stored_assistant = repo.append_message(assistant);
  EXPECT_GT(stored_assistant.id, user.id);
  EXPECT_TRUE(is_iso_millis(stored_assistant.created_at)) << stored_assistant.created_at;

  chat::message_record tool;
  tool.chat_id = "c_1";
  tool.role = "tool";
  tool.content = "exit 2\nno such file";
  tool.tool_call_id = "call_2";
  tool.tool_name = "run_command";
  tool.outcome = "error";
  tool.exit_code = 2;
  tool.duration_ms = 5'000'000'000LL;
  tool.turn = 1;
  auto stored_tool = repo.append_message(tool);
  EXPECT_GT(stored_tool.id, stored_assistant.id);

  // Usage the provider did not report stays unreported.
  chat::message_record quiet;
  quiet.chat_id = "c_1";
  quiet.role = "assistant";
  quiet.content = "done";
  quiet.turn = 1;
  quiet.usage = model::token_usage{};
  auto stored_quiet = repo.append_message(quiet);

  auto all = repo.messages("c_1");
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].id, user.id);
  EXPECT_EQ(all[0].chat_id, "c_1");
  EXPECT_EQ(all[0].role, "user");
  EXPECT_EQ(all[0].content, "write a file, please");
  EXPECT_EQ(all[0].client_id, "m-17");
  EXPECT_FALSE(all[0].turn);
  EXPECT_FALSE(all[0].usage);
  EXPECT_FALSE(all[0].exit_code);
  EXPECT_FALSE(all[0].duration_ms);
  EXPECT_TRUE(all[0].tool_calls.empty());
  EXPECT_TRUE(is_iso_millis(all[0].created_at)) << all[0].created_at;
  expect_same(all[1], stored_assistant);
  expect_same(all[2], stored_tool);
  expect_same(all[3], stored_quiet);
  EXPECT_EQ(stored_assistant.tool_calls, assistant.tool_calls);
  EXPECT_EQ(stored_assistant.usage, assistant.usage);
  // The usage column holds model::to_json(usage).
  EXPECT_EQ(db.scalar("SELECT usage->>'cache_hit' FROM messages WHERE id = " +
                      std::to_string(stored_assistant.id)),
            "1000");
}

TEST(ChatRepositoryTest, AClientIdIsStoredOncePerChat) {
  test::test_database db;
  storage::chat_repository repo{db.conninfo()};
  repo.create_chat(new_chat("c_1"));
  repo.create_chat(new_chat("c_2"));
  auto first = repo.append_user_message("c_1", "hello", "m-1");
  auto again = repo.append_user_message("c_1", "hello (resent)", "m-1");
  EXPECT_FALSE(first.duplicate);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.id, first.id);
  // The same client id in another chat is another message.
  auto other = repo.append_user_message("c_2", "hello", "m-1");
  EXPECT_FALSE(other.duplicate);
  EXPECT_NE(other.id, first.id);
  // No client id: no dedupe.
  auto a = repo.append_user_message("c_1", "same text", "");
  auto b = repo.append_user_message("c_1", "same text", "");
  EXPECT_FALSE(a.duplicate);
  EXPECT_FALSE(b.duplicate);
  EXPECT_NE(a.id, b.id);
  auto msgs = repo.messages("c_1");
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[0].content, "hello");
  EXPECT_EQ(msgs[1].client_id, "");
}

TEST(ChatRepositoryTest, ConcurrentResendsStoreOneMessage) {
  test::test_database db;
  storage::chat_repository setup{db.conninfo()};
  setup.create_chat(new_chat("c_1"));
  constexpr int threads = 4;
  constexpr int rounds = 10;
  for (int round = 0; round < rounds; ++round) {
    auto client_id = "m-" + std::to_string(round);
    std::vector<storage::chat_repository::posted> results(threads);
    std::vector<std::string> errors(threads);
    std::latch start{threads};
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i)
      workers.emplace_back([&, i] {
        try {
          storage::chat_repository repo{db.conninfo()};
          repo.find_chat("c_1"); // connect before the race starts
          start.arrive_and_wait();
          results[i] = repo.append_user_message("c_1", "hi", client_id);
        } catch (const std::exception& e) {
          errors[i] = e.what();
        }
      });
    for (auto& w : workers)
      w.join();
    int fresh = 0;
    for (int i = 0; i < threads; ++i) {
      EXPECT_EQ(errors[i], "") << "thread " << i;
      EXPECT_EQ(results[i].id, results[0].id) << "thread " << i;
      fresh += results[i].duplicate ? 0 : 1;
    }
    EXPECT_EQ(fresh, 1) << "round " << round;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM messages WHERE client_id = '" + client_id + "'"),
              "1");
  }
  EXPECT_EQ(setup.messages("c_1").size(), static_cast<size_t>(rounds));
}

TEST(ChatRepositoryTest, StartTurnTakesPendingMessages) {
  test::test_database db;
  storage::chat_repository repo{db.conninfo()};
  repo.create_chat(new_chat("c_1"));
  repo.create_chat(new_chat("c_2"));
  auto m1 = repo.append_user_message("c_1", "one", "");
  auto m2 = repo.append_user_message("c_1", "two", "m-2");
  auto elsewhere = repo.append_user_message("c_2", "other chat", "");
  auto pending = repo.pending_user_messages("c_1");
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].id, m1.id);
  EXPECT_EQ(pending[1].id, m2.id);
  EXPECT_EQ(pending[1].client_id, "m-2");

  // An id of another chat is not taken by this chat's turn.
  repo.start_turn("c_1", 1, {m1.id, m2.id, elsewhere.id});
  EXPECT_TRUE(repo.pending_user_messages("c_1").empty());
  EXPECT_EQ(repo.find_chat("c_1")->turns, 1);
  auto msgs = repo.messages("c_1");
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].turn, 1);
  EXPECT_EQ(msgs[1].turn, 1);
  ASSERT_EQ(repo.pending_user_messages("c_2").size(), 1u);
  EXPECT_EQ(repo.find_chat("c_2")->turns, 0);

  // A message arriving during turn 1 waits for turn 2.
  chat::message_record reply;
  reply.chat_id = "c_1";
  reply.role = "assistant";
  reply.content = "done";
  reply.turn = 1;
  repo.append_message(reply);
  auto m3 = repo.append_user_message("c_1", "three", "");
  pending = repo.pending_user_messages("c_1");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, m3.id);
  repo.start_turn("c_1", 2, {m3.id});
  EXPECT_TRUE(repo.pending_user_messages("c_1").empty());
  EXPECT_EQ(repo.find_chat("c_1")->turns, 2);
  EXPECT_EQ(repo.messages("c_1").back().turn, 2);
}

TEST(ChatRepositoryTest, SaveSeqOnlyRaises) {
  test::test_database db;
  storage::chat_repository repo{db.conninfo()};
  repo.create_chat(new_chat("c_1"));
  repo.save_seq("c_1", 42);
  EXPECT_EQ(repo.find_chat("c_1")->last_seq, 42);
  repo.save_seq("c_1", 7);
  EXPECT_EQ(repo.find_chat("c_1")->last_seq, 42);
  repo.save_seq("c_1", 10'000'000'000LL);
  EXPECT_EQ(repo.find_chat("c_1")->last_seq, 10'000'000'000LL);
}

TEST(ChatRepositoryTest, SurvivesTheServerDroppingItsConnection) {
  test::test_database db;
  storage::chat_repository repo{db.conninfo()};
  repo.create_chat(new_chat("c_1"));
  ASSERT_TRUE(repo.find_chat("c_1"));
  auto dropped = [&] {
    return db.scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                     " WHERE datname = current_database() AND pid <> pg_backend_pid()");
  };
  ASSERT_EQ(dropped(), "1");
  // The next call may fail (as a storage_error) or reconnect; the one after works.
  try {
    repo.find_chat("c_1");
  } catch (const storage::storage_error&) {
  }
  auto found = repo.find_chat("c_1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "c_1");
  // The same for a write: retried with its client_id, it is stored once.
  ASSERT_EQ(dropped(), "1");
  try {
    repo.append_user_message("c_1", "still here", "m-1");
  } catch (const storage::storage_error&) {
  }
  auto posted = repo.append_user_message("c_1", "still here", "m-1");
  EXPECT_EQ(repo.messages("c_1").size(), 1u);
  EXPECT_EQ(repo.messages("c_1")[0].id, posted.id);
}
