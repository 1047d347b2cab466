// The node store against a real PostgreSQL (a real actor system, not the
// test coordinator: the store is detached because it blocks).
#include <caf/all.hpp>
#include <gtest/gtest.h>

#include "actors/node_store.hpp"
#include "runtime/actor_system.hpp"
#include "runtime/errors.hpp"
#include "storage/node_repository.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;
using namespace std::chrono_literals;

TEST(NodeStoreTest, HeartbeatUpdatesTheRowAndUnknownNodeIsAnError) {
  test::test_database db;
  storage::node_repository repo{db.conninfo()};
  repo.register_node({"n1", "http://x", "0", 1, "up", 0});
  db.scalar("UPDATE nodes SET heartbeat_at = now() - interval '1 hour'");
  node_actor_config cfg;
  caf::actor_system sys{cfg};
  auto store = spawn_node_store(sys, db.conninfo());
  caf::scoped_actor self{sys};
  bool ok = false;
  self->request(store, 10s, heartbeat_atom::value, std::string("n1"))
    .receive([&] { ok = true; }, [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
  EXPECT_TRUE(ok);
  EXPECT_LT(repo.find("n1")->heartbeat_age_s, 60);
  caf::error err;
  self->request(store, 10s, heartbeat_atom::value, std::string("ghost"))
    .receive([] { ADD_FAILURE() << "expected an error"; }, [&](caf::error& e) { err = e; });
  EXPECT_EQ(err, caf::make_error(errc::not_found));
  self->send_exit(store, caf::exit_reason::user_shutdown);
}

TEST(NodeStoreTest, AnUnreachableDatabaseIsAStorageFailureNotACrash) {
  node_actor_config cfg;
  caf::actor_system sys{cfg};
  auto store = spawn_node_store(sys, "host=/nonexistent-socket-dir dbname=x connect_timeout=1");
  caf::scoped_actor self{sys};
  caf::error err;
  for (int i = 0; i < 2; ++i)
    self->request(store, 10s, heartbeat_atom::value, std::string("n1"))
      .receive([] { ADD_FAILURE() << "expected an error"; }, [&](caf::error& e) { err = e; });
  EXPECT_EQ(err.category(), caf::atom("boocode"));
  EXPECT_EQ(err.code(), static_cast<uint8_t>(errc::storage_failure));
  self->send_exit(store, caf::exit_reason::user_shutdown);
}
