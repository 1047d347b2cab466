#include <gtest/gtest.h>

#include "storage/node_repository.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;

TEST(NodeRepositoryTest, RegistersHeartbeatsAndStops) {
  test::test_database db;
  storage::node_repository repo{db.conninfo()};
  repo.register_node({"n1", "http://127.0.0.1:1", "0.1.0", 1234, "up", 0});
  db.scalar("UPDATE nodes SET heartbeat_at = now() - interval '1 hour'");
  auto before = repo.find("n1");
  ASSERT_TRUE(before);
  EXPECT_GT(before->heartbeat_age_s, 3000);
  EXPECT_TRUE(repo.heartbeat("n1"));
  auto after = repo.find("n1");
  ASSERT_TRUE(after);
  EXPECT_LT(after->heartbeat_age_s, 60);
  EXPECT_EQ(after->state, "up");
  EXPECT_EQ(after->pid, 1234);
  repo.mark_stopped("n1");
  EXPECT_EQ(repo.find("n1")->state, "stopped");
  // Restarting under the same id brings the row back up.
  repo.register_node({"n1", "http://127.0.0.1:2", "0.1.0", 99, "up", 0});
  EXPECT_EQ(repo.find("n1")->state, "up");
  EXPECT_EQ(repo.find("n1")->http_address, "http://127.0.0.1:2");
}

TEST(NodeRepositoryTest, HeartbeatOfAnUnknownNodeReportsIt) {
  test::test_database db;
  storage::node_repository repo{db.conninfo()};
  EXPECT_FALSE(repo.heartbeat("ghost"));
  EXPECT_FALSE(repo.find("ghost"));
}
