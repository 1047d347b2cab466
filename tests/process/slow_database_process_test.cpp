// A database that is slow for one chat (a trigger waits for a lock the test
// holds) holds up that chat only: another chat's turn streams its frames to
// its browser, and the API answers, while the first chat's turn and a
// request posting to a third chat wait. Released, both finish.
#include <future>

#include <fmt/format.h>

#include "tests/process/chat_process_fixture.hpp"

using namespace boocode::test;
using nlohmann::json;

TEST_F(ChatProcessTest, AChatStuckOnTheDatabaseHoldsUpNoOtherChatOrRequest) {
  auto stuck = create_chat();
  auto slow_post = create_chat();
  auto other = create_chat();
  for (int i = 0; i < 3; ++i)
    model_.enqueue(fake_reply::text_reply("done"));
  // Writes for `stuck`'s turn and messages posted to `slow_post` wait for the
  // test's advisory lock (both triggers exist before anything waits: creating
  // one waits for the transactions on its table).
  db_.scalar(fmt::format(
    "CREATE FUNCTION wait_for_test() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " IF (TG_TABLE_NAME = 'turn_journal' AND NEW.actor_id = '{}') OR (TG_TABLE_NAME = 'inbox'"
    " AND NEW.actor_id = '{}') THEN PERFORM pg_advisory_lock_shared(4242);"
    " PERFORM pg_advisory_unlock_shared(4242); END IF; RETURN NEW; END $$",
    stuck, slow_post));
  for (auto table : {"turn_journal", "inbox"})
    db_.scalar(fmt::format("CREATE TRIGGER slow_{0} BEFORE INSERT ON {0} FOR EACH ROW"
                           " EXECUTE FUNCTION wait_for_test()",
                           table));
  auto lock =
    std::make_unique<held_transaction>(db_.conninfo(), "SELECT pg_advisory_xact_lock(4242)");
  auto waiting = [&] {
    return std::stoi(
      db_.scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"));
  };

  post_message(to_, stuck, "first", "s-1");
  ASSERT_TRUE(boocode::poll_until(std::chrono::seconds(20), [&] { return waiting() == 1; }))
    << "the stuck chat's turn did not reach the database";
  auto posting = std::async(std::launch::async, [&] {
    return http_call(to_, "POST", "/api/chats/" + slow_post + "/messages",
                     R"({"text":"second","client_id":"p-1"})", {}, std::chrono::seconds(60));
  });
  ASSERT_TRUE(boocode::poll_until(std::chrono::seconds(20), [&] { return waiting() == 2; }))
    << "the post did not reach the database";

  // Meanwhile another chat works: its frames stream, its requests answer.
  auto ws = subscribe(to_, other);
  post_message(to_, other, "third", "o-1");
  auto frames = read_until(*ws, "turn_end");
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back()["outcome"], "completed");
  EXPECT_EQ(get_json(to_, "/api/chats/" + stuck)["status"], "running");
  EXPECT_EQ(get_json(to_, "/api/chats")["items"].size(), 3u);
  EXPECT_EQ(posting.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  EXPECT_EQ(waiting(), 2);

  // Released: the stuck turn and the waiting post finish.
  lock.reset();
  EXPECT_EQ(posting.get().status, 202);
  EXPECT_EQ(of_role(wait_done(to_, stuck), "assistant").size(), 1u);
  EXPECT_EQ(of_role(wait_done(to_, slow_post), "assistant").size(), 1u);
}
