// Workflow runs on a real node, at their bounds: a step's maxTurns stops its
// turn, the run's agent cap makes agent() throw, a run's projected tokens past
// the node's threshold (or its budget) log one warning, a budget spent makes
// agent() throw BudgetExceeded (counting the ended steps' tokens), and a
// nested workflow() runs as a step of its parent.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/process/workflow_process_fixture.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;
using test::fake_reply;
using test::first_prompt;
using test::text;

namespace {

/// The run's log lines of `level`.
std::vector<std::string> lines(const json& view, const std::string& level) {
  std::vector<std::string> out;
  for (const auto& l : view["logs"])
    if (l["level"] == level)
      out.push_back(l["text"].get<std::string>());
  return out;
}

/// Answers each step with its prompt; a "looper" step calls list_dir forever.
std::optional<fake_reply> echo_or_loop(const json& body) {
  auto prompt = first_prompt(body);
  if (prompt.starts_with("looper")) {
    fake_reply r = fake_reply::tool_reply("list_dir", R"({"path": "."})");
    r.usage = {{"prompt_tokens", 50}, {"completion_tokens", 5}, {"total_tokens", 55}};
    return r;
  }
  return text(prompt);
}

} // namespace

class WorkflowLimitsProcessTest : public WorkflowProcessTest {
protected:
  void SetUp() override {
    extra_args_.insert(extra_args_.end(),
                       {"--workflow-agents", "3", "--workflow-warn-tokens", "100"});
    WorkflowProcessTest::SetUp();
  }
};

TEST_F(WorkflowLimitsProcessTest, MaxTurnsTheAgentCapAndTheProjectedTokensBoundARun) {
  model_.set_responder(echo_or_loop);
  const std::string script = R"(export const meta = { name: 'bounded', description: 'limits' };
const bounded = await agent('looper: list forever', { maxTurns: 2 });
const more = [];
for (let i = 0; i < 3; i++) {
  try { more.push(await agent('plain ' + i)); } catch (e) { more.push('refused: ' + e.message); }
}
return { bounded, more };
)";
  auto res = start_run({{"workspace", workspace_.string()}, {"script", script}});
  ASSERT_EQ(res.status, 201) << res.body;
  auto view = wait_ended(res.json()["id"].get<std::string>());
  ASSERT_EQ(view["state"], "completed") << view.dump();
  EXPECT_TRUE(view["result"]["bounded"].is_null()) << "a step stopped by maxTurns gives null";
  EXPECT_EQ(calls("looper"), 2) << "maxTurns: 2 model calls";
  const auto& more = view["result"]["more"];
  ASSERT_EQ(more.size(), 3u) << view.dump();
  EXPECT_EQ(more[0], "plain 0");
  EXPECT_EQ(more[1], "plain 1");
  EXPECT_NE(more[2].get<std::string>().find("refused: this run has asked for 3 agents"),
            std::string::npos)
    << more[2];
  EXPECT_EQ(calls("plain 2"), 0) << "the refused agent was never asked";
  EXPECT_EQ(view["steps"].size(), 3u);
  for (const auto& s : view["steps"])
    if (s["label"].get<std::string>().starts_with("looper"))
      EXPECT_EQ(s["state"], "failed") << s.dump();

  auto warnings = lines(view, "warning");
  ASSERT_EQ(warnings.size(), 1u) << "one warning, however often it passes: " << view.dump();
  EXPECT_NE(warnings[0].find("pass the warning threshold 100"), std::string::npos) << warnings[0];
}

TEST_F(WorkflowLimitsProcessTest, ASpentBudgetMakesAgentThrowBudgetExceeded) {
  model_.set_responder(echo_or_loop);
  const std::string script = R"(export const meta = { name: 'budgeted', description: 'budget' };
const a = await agent('one');
const b = await agent('two');
let c;
try { c = await agent('three'); } catch (e) { c = e.name; }
return { a, b, c, spent: budget.spent(), total: budget.total, left: budget.remaining() };
)";
  auto res = start_run({{"workspace", workspace_.string()}, {"script", script}, {"budget", 100}});
  ASSERT_EQ(res.status, 201) << res.body;
  auto view = wait_ended(res.json()["id"].get<std::string>());
  ASSERT_EQ(view["state"], "completed") << view.dump();
  EXPECT_EQ(view["budget"], 100);
  // Each step: 50 prompt + 5 completion tokens. After "one", 55 < 100: "two"
  // runs; after it, 110: "three" throws.
  EXPECT_EQ(view["result"],
            json::parse(R"({"a":"one","b":"two","c":"BudgetExceeded","spent":110,"total":100,
                            "left":0})"));
  EXPECT_EQ(calls("three"), 0);
  auto warnings = lines(view, "warning");
  ASSERT_EQ(warnings.size(), 1u) << view.dump();
  EXPECT_NE(warnings[0].find("the run's budget 100"), std::string::npos) << warnings[0];
}

TEST_F(WorkflowLimitsProcessTest, ANestedWorkflowIsAStepOfItsParent) {
  model_.set_responder(echo_or_loop);
  auto dir = workspace_ / ".boocode" / "workflows";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "child.js")
    << R"(export const meta = { name: 'child', description: 'asks one' };
return { got: await agent('child step: ' + args.x) };
)";
  const std::string script = R"(export const meta = { name: 'parent', description: 'nests' };
const r = await workflow('child', { x: 'hi' });
let missing;
try { await workflow('no-such-child', {}); } catch (e) { missing = e.message; }
return { r, missing };
)";
  auto res = start_run({{"workspace", workspace_.string()}, {"script", script}});
  ASSERT_EQ(res.status, 201) << res.body;
  auto id = res.json()["id"].get<std::string>();
  auto view = wait_ended(id);
  ASSERT_EQ(view["state"], "completed") << view.dump();
  EXPECT_EQ(view["result"]["r"], json::parse(R"({"got":"child step: hi"})"));
  EXPECT_NE(view["result"]["missing"].get<std::string>().find("no workflow named no-such-child"),
            std::string::npos)
    << view.dump();
  ASSERT_EQ(view["steps"].size(), 1u) << view.dump();
  const auto& nested = view["steps"][0];
  EXPECT_EQ(nested["kind"], "workflow");
  EXPECT_EQ(nested["path"], "workflow-0");
  EXPECT_EQ(nested["state"], "completed");
  auto child = run(nested["id"].get<std::string>());
  EXPECT_EQ(child["name"], "child");
  EXPECT_EQ(child["parent_id"], id);
  ASSERT_EQ(child["steps"].size(), 1u) << child.dump();
  EXPECT_EQ(child["steps"][0]["state"], "completed");
  // Tokens below a run count in it: the nested run's step, in the parent's totals.
  EXPECT_EQ(nested["usage"]["input"], 50) << nested.dump();
  EXPECT_EQ(view["usage"]["input"], 50) << view.dump();
}
