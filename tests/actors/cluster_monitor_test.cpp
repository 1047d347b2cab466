// The cluster monitor's loop with a fake store and registry, on CAF's
// deterministic test coordinator (peers are not connected: no middleman).
#include <gtest/gtest.h>

#include "actors/cluster_monitor.hpp"
#include "runtime/errors.hpp"
#include "tests/support/actor_test.hpp"

using namespace boocode;
using namespace std::chrono_literals;

namespace {

/// A store that counts heartbeats and answers what the test sets.
struct fake_store {
  int beats = 0;
  int joins = 0;
  bool failing = false;
  bool silent = false; // never answers
  cluster_tick next;   // the answer to the next heartbeat
};

membership_store_actor spawn_fake_store(caf::actor_system& sys, std::shared_ptr<fake_store> f) {
  return sys.spawn(
    [f](membership_store_actor::pointer self) -> membership_store_actor::behavior_type {
      return {
        [f, self](heartbeat_atom) -> caf::result<cluster_tick> {
          ++f->beats;
          if (f->silent)
            return self->make_response_promise<cluster_tick>(); // never delivered
          if (f->failing)
            return caf::make_error(errc::storage_failure, "database down");
          return std::exchange(f->next, cluster_tick{});
        },
        [](confirm_atom, const std::string&) { return false; },
        [f](join_atom) {
          ++f->joins;
          return true;
        },
      };
    });
}

/// A registry that records what the monitor tells it.
struct fake_registry {
  std::vector<std::string> resumed;
  int resets = 0;
};

takeover_actor spawn_fake_registry(caf::actor_system& sys, std::shared_ptr<fake_registry> f) {
  return sys.spawn([f]() -> takeover_actor::behavior_type {
    return {
      [f](resume_atom, const std::vector<std::string>& chats) {
        f->resumed.insert(f->resumed.end(), chats.begin(), chats.end());
      },
      [f](reset_atom) {
        ++f->resets;
        return true;
      },
    };
  });
}

} // namespace

class ClusterMonitorTest : public test::ActorTest {
protected:
  cluster_monitor_actor start() {
    return spawn_cluster_monitor(sys(), spawn_fake_store(sys(), store_),
                                 spawn_fake_registry(sys(), registry_), {"n1", 1s, {}, nullptr});
  }
  std::shared_ptr<fake_store> store_ = std::make_shared<fake_store>();
  std::shared_ptr<fake_registry> registry_ = std::make_shared<fake_registry>();
};

TEST_F(ClusterMonitorTest, BeatsAtOnceThenEveryInterval) {
  auto m = start();
  run();
  EXPECT_EQ(store_->beats, 1);
  advance_time(999ms);
  run();
  EXPECT_EQ(store_->beats, 1);
  advance_time(1ms);
  run();
  EXPECT_EQ(store_->beats, 2);
  advance_time(1s);
  run();
  EXPECT_EQ(store_->beats, 3);
  auto status = request<heartbeat_status>(m, status_atom::value);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->sent, 3u);
  EXPECT_EQ(status->failed, 0u);
  caf::anon_send_exit(m, caf::exit_reason::user_shutdown);
}

TEST_F(ClusterMonitorTest, ChatsTakenOverWithWorkAreResumed) {
  store_->next.claimed = 3;
  store_->next.resume = {"c_1", "c_2"};
  auto m = start();
  run();
  EXPECT_EQ(registry_->resumed, (std::vector<std::string>{"c_1", "c_2"}));
  advance_time(1s);
  run();
  EXPECT_EQ(registry_->resumed.size(), 2u) << "a chat is resumed once, when it is taken over";
  caf::anon_send_exit(m, caf::exit_reason::user_shutdown);
}

TEST_F(ClusterMonitorTest, ANodeDeclaredDeadStopsItsSessionsAndRejoins) {
  store_->next.alive = false;
  auto m = start();
  run();
  EXPECT_EQ(registry_->resets, 1);
  EXPECT_EQ(store_->joins, 1);
  advance_time(1s);
  run();
  EXPECT_EQ(registry_->resets, 1) << "alive again: nothing more to stop";
  caf::anon_send_exit(m, caf::exit_reason::user_shutdown);
}

TEST_F(ClusterMonitorTest, AFailingStoreDoesNotStopTheBeat) {
  store_->failing = true;
  auto m = start();
  run();
  advance_time(1s);
  run();
  auto status = request<heartbeat_status>(m, status_atom::value);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->failed, 2u);
  EXPECT_EQ(status->consecutive_failures, 2u);
  store_->failing = false;
  advance_time(1s);
  run();
  status = request<heartbeat_status>(m, status_atom::value);
  EXPECT_EQ(store_->beats, 3);
  EXPECT_EQ(status->consecutive_failures, 0u);
  EXPECT_EQ(status->failed, 2u);
  EXPECT_EQ(registry_->resets, 0) << "a failing database is no reason to stop the sessions";
  caf::anon_send_exit(m, caf::exit_reason::user_shutdown);
}

TEST_F(ClusterMonitorTest, AStoreThatNeverAnswersCountsAsAFailure) {
  store_->silent = true;
  auto m = start();
  run();
  advance_time(2s); // the request (2 intervals) times out
  run();
  auto status = request<heartbeat_status>(m, status_atom::value);
  ASSERT_TRUE(status);
  EXPECT_GE(store_->beats, 2);
  EXPECT_GE(status->failed, 1u);
  caf::anon_send_exit(m, caf::exit_reason::user_shutdown);
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
