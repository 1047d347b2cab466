// A workflow run that waits long for a step drops its isolate (the node
// runs with --workflow-passivate-after 200ms) and, when the step ends,
// replays its script from the journal: the recorded random value is read
// back (the replayed call asks exactly what it asked before: no warning),
// the finished step is not asked again, and the run completes.
#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/process/model_gate.hpp"
#include "tests/process/workflow_process_fixture.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;
using test::fake_reply;
using test::first_prompt;
using test::text;

class WorkflowPassivationProcessTest : public WorkflowProcessTest {
protected:
  void SetUp() override {
    extra_args_.insert(extra_args_.end(),
                       {"--workflow-passivate-after", "200ms", "--log-level", "debug"});
    WorkflowProcessTest::SetUp();
  }
  void TearDown() override {
    held_->open(); // no model call stays blocked past the test
    WorkflowProcessTest::TearDown();
  }
  std::shared_ptr<test::model_gate> held_ = std::make_shared<test::model_gate>();
};

TEST_F(WorkflowPassivationProcessTest, AWaitingRunDropsItsIsolateAndReplaysWhenItsStepEnds) {
  auto held = held_;
  model_.set_responder([held](const json& body) -> std::optional<fake_reply> {
    auto prompt = first_prompt(body);
    if (prompt.starts_with("held"))
      held->wait();
    return text(prompt.starts_with("held") ? "A" : "B");
  });
  const std::string script = R"(export const meta = { name: 'patient', description: 'waits' };
const r = Math.random();
log('drew ' + r);
const a = await agent('held ' + r);
const b = await agent('then ' + a);
return { a, b, r: String(r) };
)";
  auto res = start_run({{"workspace", workspace_.string()}, {"script", script}});
  ASSERT_EQ(res.status, 201) << res.body;
  auto id = res.json()["id"].get<std::string>();
  ASSERT_TRUE(poll_until(30s, [&] { return held->waiting() == 1; }));
  const auto passivated = "workflow run " + id + ": passivated";
  ASSERT_TRUE(
    poll_until(30s, [&] { return node_->output().find(passivated) != std::string::npos; }))
    << "the run never dropped its isolate";
  held->open();

  auto view = wait_ended(id);
  ASSERT_EQ(view["state"], "completed") << view.dump();
  EXPECT_EQ(view["result"]["a"], "A");
  EXPECT_EQ(view["result"]["b"], "B");
  EXPECT_NE(node_->output().find("workflow run " + id + ": step"), std::string::npos)
    << "the step's end replayed the script";
  EXPECT_EQ(asked("held"), 1) << "the finished step was not asked again";
  EXPECT_EQ(asked("then"), 1);
  ASSERT_EQ(view["logs"].size(), 1u) << "no warning, and the log line once: " << view.dump();
  EXPECT_EQ(view["logs"][0]["level"], "info");
  EXPECT_EQ(view["logs"][0]["text"], "drew " + view["result"]["r"].get<std::string>())
    << "the replay read the random value it drew";
}
