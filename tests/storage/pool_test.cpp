// The node's connection pool: many callers share a few connections, the
// database never sees more than the pool's size, callers beyond it wait,
// and a connection the server dropped is opened again.
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/poll.hpp"
#include "storage/chat_repository.hpp"
#include "storage/pool.hpp"
#include "storage/storage_error.hpp"
#include "tests/support/sample_records.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;
using namespace std::chrono_literals;

namespace {

/// Connections the server has open to `db`, less `others` the test holds
/// (the query's own is not counted).
int connections_to(const test::test_database& db, int others = 0) {
  return std::stoi(db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db.name() +
                             "' AND pid <> pg_backend_pid()")) -
         others;
}

} // namespace

TEST(PoolTest, CallersBeyondItsSizeWaitAndTheDatabaseSeesNoMore) {
  test::test_database db;
  storage::chat_repository{db.conninfo()}.create_chat(test::sample_chat("c_1"));
  auto pool = std::make_shared<storage::pool>(db.conninfo(), 3);
  storage::chat_repository chats{pool};

  // The chat row is locked: every call that touches it waits in the database.
  test::held_transaction lock{db.conninfo(), "SELECT * FROM chats WHERE id = 'c_1' FOR UPDATE"};
  std::atomic<int> done{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 8; ++i)
    callers.emplace_back([&] {
      chats.archive_chat("c_1");
      ++done;
    });
  ASSERT_TRUE(poll_until(10s, [&] { return pool->stats().waiting == 5; }));
  EXPECT_EQ(pool->stats().in_use, 3);
  // Less the lock's; the backend of the connection that created the chat may
  // still be leaving pg_stat_activity.
  EXPECT_TRUE(poll_until(10s, [&] { return connections_to(db, 1) == 3; }))
    << connections_to(db, 1) << " connections";
  EXPECT_EQ(done, 0);

  lock.release();
  for (auto& t : callers)
    t.join();
  EXPECT_EQ(done, 8);
  auto s = pool->stats();
  EXPECT_EQ(s.peak_in_use, 3);
  EXPECT_EQ(s.open, 3);
  EXPECT_EQ(s.in_use, 0);
  EXPECT_EQ(s.waits, 5u);
  EXPECT_TRUE(chats.find_chat("c_1")->archived);
}

TEST(PoolTest, OpensOnlyWhatTheLoadNeedsAndReopensAConnectionTheServerDropped) {
  test::test_database db;
  storage::chat_repository{db.conninfo()}.create_chat(test::sample_chat("c_1"));
  auto pool = std::make_shared<storage::pool>(db.conninfo(), 4);
  storage::chat_repository chats{pool};
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(chats.find_chat("c_1"));
  EXPECT_EQ(pool->stats().open, 1); // one caller at a time: one connection

  db.scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '" +
            db.name() + "' AND pid <> pg_backend_pid()");
  ASSERT_TRUE(poll_until(5s, [&] { return connections_to(db) == 0; }));
  // The dropped connection fails one call as unavailable (the caller may
  // try again); the next call opens a new one.
  EXPECT_THROW(chats.find_chat("c_1"), storage::storage_unavailable);
  EXPECT_TRUE(chats.find_chat("c_1"));
  EXPECT_EQ(pool->stats().open, 1);
}
