#include <gtest/gtest.h>

#include "runtime/workflow/run_checks.hpp"

namespace boocode::workflow {
namespace {

agent::task_record step(const std::string& path, protocol::task_state state, int64_t in,
                        int64_t out) {
  agent::task_record t;
  t.spawn.id = "s_" + path;
  t.spawn.call_id = path;
  t.spawn.spec_hash = "hash-of-" + path;
  t.state = state;
  t.usage.input = in;
  t.usage.output = out;
  return t;
}

TEST(RunChecksTest, AgentsBeyondTheCapAreRefusedWithTheOptionNamed) {
  EXPECT_FALSE(agent_cap_refusal(0, 1000));
  EXPECT_FALSE(agent_cap_refusal(999, 1000));
  auto why = agent_cap_refusal(1000, 1000);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("1000 agents"), std::string::npos) << *why;
  EXPECT_NE(why->find("workflow-agents"), std::string::npos) << *why;
}

TEST(RunChecksTest, AReplayedCallThatAsksSomethingElseIsReported) {
  auto s = step("parallel-0/item-1/agent-0", protocol::task_state::completed, 1, 1);
  EXPECT_FALSE(replay_mismatch(s, "hash-of-parallel-0/item-1/agent-0"));
  auto why = replay_mismatch(s, "another");
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("parallel-0/item-1/agent-0"), std::string::npos) << *why;
  s.spawn.spec_hash.clear(); // a nested run's task has no hash
  EXPECT_FALSE(replay_mismatch(s, "another"));
}

TEST(RunChecksTest, TokensAreProjectedFromTheEndedStepsAverage) {
  using enum protocol::task_state;
  std::map<std::string, agent::task_record> steps;
  EXPECT_EQ(project_tokens(steps).projected, 0);
  steps["a"] = step("a", completed, 900, 100);
  steps["b"] = step("b", failed, 250, 50);
  steps["c"] = step("c", running, 40, 0);
  steps["d"] = step("d", queued, 0, 0);
  auto p = project_tokens(steps);
  EXPECT_EQ(p.spent, 1340);
  EXPECT_EQ(p.ended, 2);
  EXPECT_EQ(p.live, 2);
  EXPECT_EQ(p.projected, 1340 + 2 * 650) << "each live step at the ended ones' average";

  EXPECT_FALSE(token_warning(p, 2640, false)) << "at the threshold: no warning";
  auto warn = token_warning(p, 2000, false);
  ASSERT_TRUE(warn);
  EXPECT_NE(warn->find("projected tokens 2640 pass the warning threshold 2000"), std::string::npos)
    << *warn;
  auto over_budget = token_warning(p, 2000, true);
  ASSERT_TRUE(over_budget);
  EXPECT_NE(over_budget->find("the run's budget 2000"), std::string::npos) << *over_budget;

  token_projection none_ended{500, 500, 0, 3};
  EXPECT_FALSE(token_warning(none_ended, 100, false)) << "nothing to project from yet";
}

} // namespace
} // namespace boocode::workflow
