// The chats table on a real PostgreSQL (messages: session_repository_test).
#include <gtest/gtest.h>

#include "storage/chat_repository.hpp"
#include "storage/storage_error.hpp"
#include "tests/support/sample_records.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;

namespace {

using test::is_iso_millis;

chat::chat_record new_chat(const std::string& id) {
  return test::sample_chat(id);
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
  ASSERT_EQ(repo.list_chats(std::nullopt, 2).size(), 2u);
  EXPECT_EQ(all[0].owner, "local");

  // A chat has an owner; a list may be one owner's.
  auto mine = new_chat("c_d");
  mine.owner = "alice";
  EXPECT_EQ(repo.create_chat(mine).owner, "alice");
  auto alices = repo.list_chats(std::string("alice"));
  ASSERT_EQ(alices.size(), 1u);
  EXPECT_EQ(alices[0].id, "c_d");
  EXPECT_TRUE(repo.list_chats(std::string("bob")).empty());
  EXPECT_EQ(repo.list_chats().size(), 4u);
  EXPECT_EQ(repo.find_chat("c_d")->owner, "alice");

  // An id is taken once.
  EXPECT_THROW(repo.create_chat(new_chat("c_a")), storage::storage_error);
  EXPECT_EQ(repo.list_chats().size(), 4u);
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
  EXPECT_TRUE(repo.list_chats().empty());
  repo.create_chat(new_chat("c_1"));
  EXPECT_THROW(repo.create_chat(new_chat("c_1")), storage::storage_error); // a taken id
  // The repository still works after a failure.
  EXPECT_EQ(repo.list_chats().size(), 1u);
}
