// The cluster store against a real PostgreSQL (a real actor system, not the
// test coordinator: the store is detached because it blocks).
#include <caf/all.hpp>
#include <gtest/gtest.h>

#include "actors/cluster_store.hpp"
#include "runtime/actor_system.hpp"
#include "runtime/errors.hpp"
#include "storage/chat_repository.hpp"
#include "storage/node_repository.hpp"
#include "storage/session_repository.hpp"
#include "tests/support/sample_records.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;
using namespace std::chrono_literals;

namespace {

struct store_fixture {
  test::test_database db;
  test::temp_dir dir;
  node_actor_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  cluster_store_actor store;

  explicit store_fixture(const std::string& me) {
    storage::node_record row{me, "", "0", 1, "up", 0};
    store = spawn_cluster_store(sys, {db.conninfo(), row, 3s, nullptr});
    bool joined = false;
    self->request(store, 10s, join_atom::value, std::string("http://me"), me + ":1", me + ":2")
      .receive([&](bool) { joined = true; },
               [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
    EXPECT_TRUE(joined);
  }
  ~store_fixture() { self->send_exit(store, caf::exit_reason::user_shutdown); }

  cluster_tick beat() {
    cluster_tick t;
    self->request(store, 10s, heartbeat_atom::value)
      .receive([&](const cluster_tick& got) { t = got; },
               [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
    return t;
  }
};

} // namespace

TEST(ClusterStoreTest, ABeatDeclaresLapsedNodesDeadAndTakesOverTheirChats) {
  store_fixture f{"n1"};
  storage::node_repository nodes{f.db.conninfo()};
  nodes.register_node({"n2", "http://n2", "0", 2, "up", 0});
  nodes.register_node({"n3", "http://n3", "0", 3, "up", 0});
  storage::chat_repository chats{f.db.conninfo()};
  for (auto id : {"c_idle", "c_busy"}) {
    auto c = test::sample_chat(id);
    c.workspace = f.dir.path().string();
    chats.create_chat(c);
    f.db.scalar(std::string("INSERT INTO actor_leases (actor_id, node_id, epoch) VALUES ('") + id +
                "', 'n2', 1)");
  }
  storage::session_repository{f.db.conninfo()}.post("c_busy", "waiting", "");
  f.db.scalar("UPDATE nodes SET heartbeat_at = now() - interval '1 hour' WHERE id = 'n2'");
  auto t = f.beat();
  EXPECT_TRUE(t.alive);
  EXPECT_EQ(t.declared_dead, (std::vector<std::string>{"n2"}));
  // n1 and n3 are up: n1 takes its share (1 of 2), the chat with work first.
  EXPECT_EQ(t.claimed, 1);
  EXPECT_EQ(t.resume, (std::vector<std::string>{"c_busy"}));
  ASSERT_EQ(t.peers.size(), 1u);
  EXPECT_EQ(t.peers[0].node_id, "n3");
  EXPECT_EQ(f.db.scalar("SELECT node_id FROM actor_leases WHERE actor_id = 'c_busy'"), "n1");
}

TEST(ClusterStoreTest, ANodeDeclaredDeadLearnsItAtItsNextBeat) {
  store_fixture f{"n1"};
  f.db.scalar("UPDATE nodes SET state = 'dead' WHERE id = 'n1'");
  auto t = f.beat();
  EXPECT_FALSE(t.alive);
  bool joined = false;
  f.self->request(f.store, 10s, join_atom::value)
    .receive([&](bool) { joined = true; }, [](caf::error&) {});
  EXPECT_TRUE(joined);
  EXPECT_TRUE(f.beat().alive);
}

TEST(ClusterStoreTest, RoutingRefusesAChatWhoseWorkspaceIsNotHere) {
  store_fixture f{"n1"};
  storage::chat_repository chats{f.db.conninfo()};
  auto c = test::sample_chat("c_1");
  c.workspace = (f.dir.path() / "not-mounted").string();
  chats.create_chat(c);
  caf::error err;
  f.self->request(f.store, 10s, route_atom::value, std::string("c_1"))
    .receive([](const std::string&, const std::string&) { ADD_FAILURE() << "claimed"; },
             [&](caf::error& e) { err = e; });
  EXPECT_TRUE(is_error(err, errc::refused));
  EXPECT_NE(f.sys.render(err).find("not reachable on node n1"), std::string::npos)
    << f.sys.render(err);
  f.self->request(f.store, 10s, route_atom::value, std::string("c_ghost"))
    .receive([](const std::string&, const std::string&) { ADD_FAILURE() << "routed"; },
             [&](caf::error& e) { err = e; });
  EXPECT_TRUE(is_error(err, errc::not_found));
}

TEST(ClusterStoreTest, AnUnreachableDatabaseIsStorageUnavailableNotACrash) {
  node_actor_config cfg;
  caf::actor_system sys{cfg};
  auto store = spawn_cluster_store(
    sys, {"host=/nonexistent-socket-dir dbname=x connect_timeout=1", {"n1"}, 3s, nullptr});
  caf::scoped_actor self{sys};
  caf::error err;
  for (int i = 0; i < 2; ++i)
    self->request(store, 10s, heartbeat_atom::value)
      .receive([](const cluster_tick&) { ADD_FAILURE() << "expected an error"; },
               [&](caf::error& e) { err = e; });
  EXPECT_TRUE(is_error(err, errc::storage_unavailable));
  self->send_exit(store, caf::exit_reason::user_shutdown);
}
