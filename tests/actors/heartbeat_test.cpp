#include <gtest/gtest.h>

#include "actors/heartbeat.hpp"
#include "runtime/errors.hpp"
#include "tests/support/actor_test.hpp"

using namespace boocode;
using namespace std::chrono_literals;

namespace {

/// A node store that counts heartbeats and fails while `failing` is set.
struct fake_store {
  int calls = 0;
  bool failing = false;
  bool silent = false; // never answers
};

node_store_actor spawn_fake_store(caf::actor_system& sys, std::shared_ptr<fake_store> f) {
  return sys.spawn([f](node_store_actor::pointer self) -> node_store_actor::behavior_type {
    return {
      [f, self](heartbeat_atom, const std::string&) -> caf::result<void> {
        ++f->calls;
        if (f->silent)
          return self->make_response_promise<void>(); // never delivered
        if (f->failing)
          return caf::make_error(errc::storage_failure, "database down");
        return caf::unit;
      },
    };
  });
}

} // namespace

class HeartbeatTest : public test::ActorTest {};

TEST_F(HeartbeatTest, BeatsAtOnceThenEveryInterval) {
  auto store = std::make_shared<fake_store>();
  auto hb = spawn_heartbeat(sys(), spawn_fake_store(sys(), store), {"n1", 1s, nullptr});
  run();
  EXPECT_EQ(store->calls, 1);
  advance_time(999ms);
  run();
  EXPECT_EQ(store->calls, 1);
  advance_time(1ms);
  run();
  EXPECT_EQ(store->calls, 2);
  advance_time(1s);
  run();
  EXPECT_EQ(store->calls, 3);
  auto status = request<heartbeat_status>(hb, status_atom::value);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->sent, 3u);
  EXPECT_EQ(status->failed, 0u);
  caf::anon_send_exit(hb, caf::exit_reason::user_shutdown);
}

TEST_F(HeartbeatTest, AFailingStoreDoesNotStopTheBeat) {
  auto store = std::make_shared<fake_store>();
  store->failing = true;
  auto hb = spawn_heartbeat(sys(), spawn_fake_store(sys(), store), {"n1", 1s, nullptr});
  run();
  advance_time(1s);
  run();
  auto status = request<heartbeat_status>(hb, status_atom::value);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->failed, 2u);
  EXPECT_EQ(status->consecutive_failures, 2u);
  store->failing = false;
  advance_time(1s);
  run();
  status = request<heartbeat_status>(hb, status_atom::value);
  EXPECT_EQ(store->calls, 3);
  EXPECT_EQ(status->consecutive_failures, 0u);
  EXPECT_EQ(status->failed, 2u);
  caf::anon_send_exit(hb, caf::exit_reason::user_shutdown);
}

TEST_F(HeartbeatTest, AStoreThatNeverAnswersCountsAsAFailure) {
  auto store = std::make_shared<fake_store>();
  store->silent = true;
  auto hb = spawn_heartbeat(sys(), spawn_fake_store(sys(), store), {"n1", 1s, nullptr});
  run();
  advance_time(1s); // the request times out as the next tick fires
  run();
  auto status = request<heartbeat_status>(hb, status_atom::value);
  ASSERT_TRUE(status);
  EXPECT_EQ(store->calls, 2);
  EXPECT_GE(status->failed, 1u);
  caf::anon_send_exit(hb, caf::exit_reason::user_shutdown);
}

TEST(HeartbeatStateTest, LogsOnlyTheFirstFailureAndTheRecovery) {
  heartbeat_state s;
  EXPECT_FALSE(s.record(true));
  EXPECT_TRUE(s.record(false));
  EXPECT_FALSE(s.record(false));
  EXPECT_TRUE(s.record(true));
  EXPECT_FALSE(s.record(true));
  EXPECT_EQ(s.status.sent, 5u);
  EXPECT_EQ(s.status.failed, 2u);
}
