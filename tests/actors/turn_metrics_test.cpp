// What the turn worker counts into the node's metrics, and how actors are
// counted as they load and passivate.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "actors/actor_counts.hpp"
#include "actors/turn_metrics.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

TEST(TurnMetricsTest, StepOverheadIsTheWallTimeLessTheCallsPerModelCall) {
  EXPECT_DOUBLE_EQ(*step_overhead_seconds(1000ms, 940ms, 3), 0.02);
  EXPECT_DOUBLE_EQ(*step_overhead_seconds(10ms, 20ms, 1), 0); // clock skew: never negative
  EXPECT_FALSE(step_overhead_seconds(10ms, 0ms, 0));          // no model call: no step
}

TEST(TurnMetricsTest, TurnsAreCountedByKindAndOutcome) {
  metrics::registry r;
  metrics::node_metrics m{r};
  agent::turn_summary done;
  count_turn(m, protocol::actor_kind::session, turn_outcome_label(done), 0.002);
  agent::turn_summary waits;
  waits.outcome = protocol::turn_outcome::interrupted;
  waits.waiting = true;
  count_turn(m, protocol::actor_kind::subagent, turn_outcome_label(waits));
  count_turn(m, protocol::actor_kind::workflow_step, "failed");
  auto text = r.render();
  EXPECT_THAT(text, HasSubstr(R"(boocode_turns_total{kind="session",outcome="completed"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(boocode_turns_total{kind="subagent",outcome="waiting"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(boocode_turns_total{kind="workflow_step",outcome="failed"} 1)"));
  EXPECT_THAT(text, HasSubstr("boocode_step_overhead_seconds_count 1"));
}

TEST(ActorCountsTest, AnActorIsCountedWhereItIsAndUncountedWhenItGoes) {
  auto counts = std::make_shared<actor_counts>();
  {
    counted_actor run{counts, protocol::actor_kind::workflow};
    EXPECT_EQ(counts->loaded(protocol::actor_kind::workflow), 0);
    run.set(residency::loaded);
    run.set(residency::loaded); // no change: counted once
    EXPECT_EQ(counts->loaded(protocol::actor_kind::workflow), 1);
    run.set(residency::unloaded);
    EXPECT_EQ(counts->loaded(protocol::actor_kind::workflow), 0);
    EXPECT_EQ(counts->unloaded(protocol::actor_kind::workflow), 1);
    counted_actor moved = std::move(run); // still one actor
    EXPECT_EQ(counts->unloaded(protocol::actor_kind::workflow), 1);
  }
  EXPECT_EQ(counts->unloaded(protocol::actor_kind::workflow), 0);
  EXPECT_EQ(counts->sessions_loaded(), 0);
}
