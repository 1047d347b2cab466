// Two nodes in one process, each with its own actor system and CAF
// middleman on loopback, sharing one PostgreSQL: a chat owned by one is used
// through the other, then moved with a `migrate` message and back with
// `drain`, while a subscriber on the other node watches.
#include <mutex>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>

#include "actors/chat_service_impl.hpp"
#include "actors/cluster_store.hpp"
#include "actors/node_directory.hpp"
#include "actors/session_registry.hpp"
#include "runtime/actor_system.hpp"
#include "runtime/errors.hpp"
#include "runtime/model/scripted_provider.hpp"
#include "runtime/poll.hpp"
#include "storage/chat_repository.hpp"
#include "storage/session_repository.hpp"
#include "tests/actors/test_node.hpp"
#include "tests/support/sample_records.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;
using test::collector;
using test::test_node;

TEST(ClusterRoutingTest, AChatMovesBetweenNodesWhileASubscriberOnAnotherWatches) {
  test::test_database db;
  test::temp_dir workspace;
  test::create_chat(db, workspace);
  test_node n1{"n1", db.conninfo()};
  test_node n2{"n2", db.conninfo()};
  n1.link(n2); // as n1's cluster monitor would
  storage::session_repository leases{db.conninfo()};
  ASSERT_EQ(leases.place("c_1", "default"), "n1");
  auto owner = [&] { return db.scalar("SELECT node_id FROM actor_leases WHERE actor_id = 'c_1'"); };

  // Watched and used through n2; served by n1.
  auto browser = std::make_shared<collector>();
  ASSERT_TRUE(std::holds_alternative<bool>(n2.chats->subscribe(browser, "c_1", {}, false)));
  ASSERT_TRUE(poll_until(10s, [&] { return browser->count("snapshot") == 1; }));
  n2.chats->post_message("c_1", "first", "m-1");
  ASSERT_TRUE(poll_until(20s, [&] { return browser->count("turn_end") == 1; }));
  EXPECT_EQ(owner(), "n1");
  auto epoch = browser->last("snapshot")["epoch"].get<int64_t>();

  // Moved to n2 by a message to n2 (which asks the owner, n1).
  auto moved = n2.ask<bool>(migrate_atom::value, std::string("c_1"), std::string("n2"));
  ASSERT_TRUE(moved) << n2.sys->render(moved.error());
  EXPECT_TRUE(*moved);
  EXPECT_EQ(owner(), "n2");
  ASSERT_TRUE(poll_until(10s, [&] { return browser->count("snapshot") >= 2; }))
    << "the subscriber was not re-pointed";
  EXPECT_GT(browser->last("snapshot")["epoch"].get<int64_t>(), epoch);
  EXPECT_EQ(browser->last("snapshot")["messages"].size(), 2u);
  n2.chats->post_message("c_1", "second", "m-2");
  ASSERT_TRUE(poll_until(20s, [&] { return browser->count("turn_end") == 2; }));

  // Asking to move it where it is changes nothing; to an unknown node fails.
  EXPECT_EQ(n1.ask<bool>(migrate_atom::value, std::string("c_1"), std::string("n2")), false);
  auto nowhere = n1.ask<bool>(migrate_atom::value, std::string("c_1"), std::string("n9"));
  ASSERT_FALSE(nowhere);
  EXPECT_TRUE(is_error(nowhere.error(), errc::not_found)) << n1.sys->render(nowhere.error());
  EXPECT_EQ(owner(), "n2");

  // n2 drains: the chat goes back to n1, the subscriber follows.
  auto drained = n2.ask<int64_t>(drain_atom::value);
  ASSERT_TRUE(drained) << n2.sys->render(drained.error());
  EXPECT_EQ(*drained, 1);
  EXPECT_EQ(owner(), "n1");
  EXPECT_EQ(db.scalar("SELECT state FROM nodes WHERE id = 'n2'"), "draining");
  ASSERT_TRUE(poll_until(10s, [&] { return browser->count("snapshot") >= 3; }));
  n1.chats->post_message("c_1", "third", "m-3");
  ASSERT_TRUE(poll_until(20s, [&] { return browser->count("turn_end") == 3; }));
  auto chat = n1.chats->get_chat("c_1");
  ASSERT_TRUE(std::holds_alternative<chat::chat_view>(chat));
  auto& messages = std::get<chat::chat_view>(chat).messages;
  ASSERT_EQ(messages.size(), 6u);
  EXPECT_EQ(messages[5].content, "answer 3");

  // A drain with nowhere to go is refused and leaves the node up.
  auto alone = n1.ask<int64_t>(drain_atom::value);
  EXPECT_FALSE(alone);
  EXPECT_EQ(db.scalar("SELECT state FROM nodes WHERE id = 'n1'"), "up");
  EXPECT_EQ(owner(), "n1");
}

// An operator's stop reaches every node's subscribers as such (not as "no
// node can serve it"), every node's status says stopped, and a restart
// through another node brings it back.
TEST(ClusterRoutingTest, AChatStoppedOnItsOwnerReadsAsStoppedOnEveryNode) {
  test::test_database db;
  test::temp_dir workspace;
  test::create_chat(db, workspace);
  test_node n1{"n1", db.conninfo()};
  test_node n2{"n2", db.conninfo()};
  n1.link(n2); // as n1's cluster monitor would
  ASSERT_EQ(storage::session_repository{db.conninfo()}.place("c_1", "default"), "n1");

  auto browser = std::make_shared<collector>();
  ASSERT_TRUE(std::holds_alternative<bool>(n2.chats->subscribe(browser, "c_1", {}, false)));
  ASSERT_TRUE(poll_until(10s, [&] { return browser->count("snapshot") == 1; }));

  auto stopped = n2.ask<bool>(stop_atom::value, std::string("c_1"));
  ASSERT_TRUE(stopped) << n2.sys->render(stopped.error());
  EXPECT_TRUE(*stopped);
  ASSERT_TRUE(poll_until(10s, [&] { return browser->count("session_failed") >= 1; }));
  auto failed = browser->last("session_failed");
  EXPECT_EQ(failed["reason"], "stopped") << failed.dump();
  EXPECT_EQ(failed["crashes"], 0);
  for (auto* n : {&n1, &n2}) {
    auto status = n->ask<protocol::chat_status>(status_atom::value, std::string("c_1"));
    ASSERT_TRUE(status);
    EXPECT_EQ(*status, protocol::chat_status::stopped) << protocol::to_string(*status);
  }

  auto restarted = n2.ask<bool>(restart_atom::value, std::string("c_1"));
  ASSERT_TRUE(restarted) << n2.sys->render(restarted.error());
  EXPECT_TRUE(*restarted);
  ASSERT_TRUE(poll_until(10s, [&] { return browser->count("snapshot") >= 2; }));
  n2.chats->post_message("c_1", "are you back?", "m-1");
  ASSERT_TRUE(poll_until(20s, [&] { return browser->count("turn_end") == 1; }));
  auto status = n2.ask<protocol::chat_status>(status_atom::value, std::string("c_1"));
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, protocol::chat_status::idle);
}
