// Ownership in a cluster on a real PostgreSQL: placement, routing, takeover of
// a dead node's leases (also by survivors racing), moves, and fencing of a
// node that comes back.
#include <latch>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "runtime/poll.hpp"
#include "storage/chat_repository.hpp"
#include "storage/migrations.hpp"
#include "storage/node_repository.hpp"
#include "storage/session_repository.hpp"
#include "storage/storage_error.hpp"
#include "tests/support/sample_records.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;

namespace {

/// Every workspace is reachable, except those named "/missing/...".
std::string reachable(const std::string& workspace) {
  return workspace.starts_with("/missing/") ? "not here" : "";
}

struct cluster {
  test::test_database db;
  storage::chat_repository chats{db.conninfo()};
  storage::session_repository leases{db.conninfo()};
  storage::node_repository nodes{db.conninfo()};

  void node(const std::string& id, const std::string& state = "up") {
    storage::node_record n{id, "http://" + id, "0", 1, "up", 0};
    n.cluster_address = id + ":4242";
    nodes.register_node(n);
    if (state != "up")
      nodes.set_state(id, state);
  }
  void chat(const std::string& id, const std::string& owner, int64_t epoch = 1,
            const std::string& workspace = "") {
    auto c = test::sample_chat(id);
    if (!workspace.empty())
      c.workspace = workspace;
    chats.create_chat(c);
    db.scalar("INSERT INTO actor_leases (actor_id, node_id, epoch) VALUES ('" + id + "', '" +
              owner + "', " + std::to_string(epoch) + ")");
  }
  std::string owner(const std::string& chat) {
    return db.scalar("SELECT node_id FROM actor_leases WHERE actor_id = '" + chat + "'");
  }
  std::string epoch(const std::string& chat) {
    return db.scalar("SELECT epoch FROM actor_leases WHERE actor_id = '" + chat + "'");
  }
};

} // namespace

TEST(ClusterLeasesTest, NewChatsGoToTheLeastLoadedUpNode) {
  cluster c;
  c.node("a");
  c.node("b");
  c.node("gone", "dead");
  c.chat("c_1", "a");
  c.chats.create_chat(test::sample_chat("c_new"));
  EXPECT_EQ(c.leases.place("c_new", "default"), "b");
  EXPECT_EQ(c.epoch("c_new"), "0") << "its session takes epoch 1";
  c.chats.create_chat(test::sample_chat("c_other"));
  EXPECT_FALSE(c.leases.place("c_other", "elsewhere")) << "no node of that cluster is up";
}

TEST(ClusterLeasesTest, ALiveOwnerKeepsItsChatAndADeadOneLosesIt) {
  cluster c;
  c.node("a");
  c.node("b");
  c.chat("c_1", "a");
  try {
    c.leases.acquire_lease("c_1", "b");
    ADD_FAILURE() << "b took a chat a live node owns";
  } catch (const storage::not_owner& e) {
    EXPECT_EQ(e.owner(), "a");
  }
  auto r = c.leases.route("c_1", "b", reachable);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->node_id, "a");
  EXPECT_EQ(r->address, "a:4242");
  // a is declared dead: the next one to route the chat claims it.
  c.db.scalar("UPDATE nodes SET heartbeat_at = now() - interval '1 hour' WHERE id = 'a'");
  EXPECT_EQ(c.nodes.declare_lapsed("default", std::chrono::seconds(3), "b"),
            (std::vector<std::string>{"a"}));
  EXPECT_TRUE(c.nodes.declare_lapsed("default", std::chrono::seconds(3), "b").empty());
  r = c.leases.route("c_1", "b", reachable);
  EXPECT_EQ(r->node_id, "b");
  EXPECT_EQ(c.owner("c_1"), "b");
  EXPECT_EQ(c.epoch("c_1"), "2");
  // a comes back: its heartbeat is refused and it may not claim anything.
  EXPECT_FALSE(c.nodes.heartbeat("a"));
  EXPECT_THROW(c.leases.acquire_lease("c_1", "a"), storage::not_owner);
  EXPECT_FALSE(c.leases.route("c_ghost", "b", reachable));
}

TEST(ClusterLeasesTest, AChatWhoseWorkspaceIsNotHereIsNotClaimed) {
  cluster c;
  c.node("b");
  c.chat("c_1", "gone", 3, "/missing/ws");
  auto r = c.leases.route("c_1", "b", reachable);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->refused, "not here");
  std::vector<std::string> refused;
  EXPECT_TRUE(c.leases.claim_orphans("b", "default", reachable, &refused).empty());
  EXPECT_EQ(refused, (std::vector<std::string>{"c_1: not here"}));
  EXPECT_EQ(c.owner("c_1"), "gone");
  EXPECT_EQ(c.epoch("c_1"), "3");
}

TEST(ClusterLeasesTest, SurvivorsShareADeadNodesChatsWorkFirst) {
  cluster c;
  c.node("a");
  c.node("b");
  c.node("dead", "dead");
  for (int i = 0; i < 4; ++i)
    c.chat("c_" + std::to_string(i), "dead", 5);
  c.leases.post("c_3", "waiting", "");
  c.chats.create_chat(test::sample_chat("c_archived"));
  c.db.scalar(
    "INSERT INTO actor_leases (actor_id, node_id, epoch) VALUES ('c_archived', 'dead', 1)");
  c.chats.archive_chat("c_archived");
  auto first = c.leases.claim_orphans("a", "default", reachable);
  ASSERT_EQ(first.size(), 2u) << "a's share: half of them";
  EXPECT_EQ(first[0].actor_id, "c_3");
  EXPECT_TRUE(first[0].has_work);
  EXPECT_FALSE(first[1].has_work);
  // Each claims its share of what is left until nothing is.
  EXPECT_EQ(c.leases.claim_orphans("b", "default", reachable).size(), 1u);
  EXPECT_EQ(c.leases.claim_orphans("a", "default", reachable).size(), 1u);
  EXPECT_TRUE(c.leases.claim_orphans("b", "default", reachable).empty());
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(c.epoch("c_" + std::to_string(i)), "6");
  EXPECT_EQ(c.owner("c_archived"), "dead") << "an archived chat needs no owner";
}

// Several survivors claim at once, many times over: every lease is taken
// exactly once (epoch + 1 once), by one of them.
TEST(ClusterLeasesTest, SurvivorsRacingForTheSameLeasesNeverBothTakeOne) {
  cluster c;
  const std::vector<std::string> survivors{"s1", "s2", "s3"};
  for (auto& s : survivors)
    c.node(s);
  c.node("dead", "dead");
  const int chats = 120;
  for (int i = 0; i < chats; ++i)
    c.chat("c_" + std::to_string(i), "dead", 7);
  std::latch go{static_cast<ptrdiff_t>(survivors.size())};
  std::vector<std::vector<storage::claimed_actor>> got(survivors.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < survivors.size(); ++i)
    threads.emplace_back([&, i] {
      storage::session_repository own{c.db.conninfo()};
      go.arrive_and_wait();
      for (int round = 0; round < 20; ++round)
        for (auto& a : own.claim_orphans(survivors[i], "default", reachable))
          got[i].push_back(a);
    });
  for (auto& t : threads)
    t.join();
  std::map<std::string, int> times;
  for (size_t i = 0; i < survivors.size(); ++i) {
    for (auto& a : got[i]) {
      ++times[a.actor_id];
      EXPECT_EQ(c.owner(a.actor_id), survivors[i]);
    }
  }
  EXPECT_EQ(times.size(), static_cast<size_t>(chats));
  for (auto& [id, n] : times)
    EXPECT_EQ(n, 1) << id << " was claimed " << n << " times";
  EXPECT_EQ(c.db.scalar("SELECT count(*) FROM actor_leases WHERE epoch <> 8"), "0");
}

TEST(ClusterLeasesTest, AMoveNeedsTheOwnerAndAnUpTarget) {
  cluster c;
  c.node("a");
  c.node("b");
  c.node("d", "draining");
  c.chat("c_1", "a", 4);
  EXPECT_FALSE(c.leases.move_lease("c_1", "b", "a")) << "b does not own it";
  EXPECT_FALSE(c.leases.move_lease("c_1", "a", "d")) << "a draining node takes nothing";
  EXPECT_EQ(c.leases.move_lease("c_1", "a", "b"), 5);
  EXPECT_EQ(c.owner("c_1"), "b");
  EXPECT_EQ(c.leases.leases_of("b"), (std::vector<std::string>{"c_1"}));
}

TEST(ClusterLeasesTest, ARejoiningNodeReleasesWhatItHeld) {
  cluster c;
  c.node("a");
  c.chat("c_1", "a", 2);
  auto old = storage::fence{"c_1", 2, "a"};
  c.node("a"); // a restart (or a rejoin after being declared dead)
  EXPECT_EQ(c.owner("c_1"), "");
  EXPECT_EQ(c.epoch("c_1"), "3");
  EXPECT_THROW(c.leases.begin_turn(old, 1), storage::fenced);
  auto claimed = c.leases.claim_orphans("a", "default", reachable);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(c.owner("c_1"), "a");
}

TEST(ClusterLeasesTest, ConnectionsCarryTheNodesApplicationName) {
  test::test_database db;
  storage::node_repository plain{db.conninfo()};
  auto tagged = std::make_unique<storage::node_repository>(
    storage::node_conninfo(db.conninfo(), "n1", std::chrono::milliseconds(1500)));
  plain.register_node({"n1", "http://x", "0", 1, "up", 0});
  tagged->heartbeat("n1"); // holds its connection open
  EXPECT_FALSE(plain.confirm_dead("n1")) << "n1 still has a database session";
  tagged.reset(); // n1's last connection closes, as when its process dies
  EXPECT_TRUE(poll_until(std::chrono::seconds(10), [&] { return plain.confirm_dead("n1"); }));
  EXPECT_EQ(plain.find("n1")->state, "dead");
  EXPECT_EQ(
    storage::with_parameter("postgresql://h/db?sslmode=disable", "application_name", "boocode/n 1"),
    "postgresql://h/db?sslmode=disable&application_name=boocode%2Fn%201");
  EXPECT_EQ(storage::with_parameter("host=h dbname=d", "application_name", "it's"),
            "host=h dbname=d application_name='it\\'s'");
}

// A database from before the cluster: its chats get free leases, so a node
// starting on it takes them over and resumes the ones with work.
TEST(ClusterLeasesTest, ChatsFromBeforeTheClusterAreTakenOverAtStart) {
  test::test_database db{false};
  std::vector<storage::migration> before;
  for (auto& m : storage::builtin_migrations())
    if (m.version < 5)
      before.push_back(m);
  storage::apply_migrations(db.conninfo(), before);
  // Made and posted as that schema had them (the code of today writes today's).
  db.scalar("INSERT INTO chats (id, workspace, title) VALUES ('c_old', '/tmp', 'old') RETURNING 1");
  db.scalar("INSERT INTO inbox (chat_id, content) VALUES ('c_old', 'waiting since before')"
            " RETURNING 1");
  storage::apply_migrations(db.conninfo(), storage::builtin_migrations());
  storage::node_repository{db.conninfo()}.register_node({"n1", "http://n1", "0", 1, "up", 0});
  auto claimed =
    storage::session_repository{db.conninfo()}.claim_orphans("n1", "default", reachable);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].actor_id, "c_old");
  EXPECT_TRUE(claimed[0].has_work);
}

// A node that hangs inside a transaction (SIGSTOP between two statements)
// holds its row locks; the server ends its idle transaction, so the others
// can still declare it dead and take its chats.
TEST(ClusterLeasesTest, ANodeHungInsideATransactionDoesNotBlockTheOthers) {
  cluster c;
  c.node("a");
  c.node("b");
  c.chat("c_1", "a");
  c.db.scalar("UPDATE nodes SET heartbeat_at = now() - interval '1 hour' WHERE id = 'a'");
  test::held_transaction hung{
    storage::node_conninfo(c.db.conninfo(), "a", std::chrono::milliseconds(300)),
    "SELECT 1 FROM nodes, actor_leases WHERE id = 'a' AND actor_id = 'c_1' FOR UPDATE"};
  std::vector<std::string> declared;
  EXPECT_TRUE(poll_until(std::chrono::seconds(20), [&] {
    try {
      declared = c.nodes.declare_lapsed("default", std::chrono::seconds(3), "b");
      return !declared.empty();
    } catch (const storage::storage_error&) { // the lock wait timed out: again
      return false;
    }
  }));
  EXPECT_EQ(declared, (std::vector<std::string>{"a"}));
  auto r = c.leases.route("c_1", "b", reachable);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->node_id, "b");
}
