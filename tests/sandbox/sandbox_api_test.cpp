#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tests/sandbox/script_host.hpp"

namespace boocode::sandbox {
namespace {

using testing::script;
using testing::start_script;
using json = nlohmann::json;

// Answers each agent() with "<prompt>!".
std::optional<json> echo(const host_call& c) {
  return c.spec.at("prompt").get<std::string>() + "!";
}

std::vector<std::string> paths(const std::vector<host_call>& calls) {
  std::vector<std::string> out;
  for (const auto& c : calls) {
    out.push_back(c.path);
  }
  return out;
}

TEST(SandboxApiTest, ReturnsTheScriptsValueAndReadsArgs) {
  auto host = start_script(script("return { doubled: args.n * 2, name: meta.name };"), {{"n", 21}});
  const auto end = host->wait_end();
  ASSERT_EQ(end.state, end_state::completed) << end.error;
  EXPECT_EQ(end.result, json::parse(R"({"doubled":42,"name":"test"})"));
}

TEST(SandboxApiTest, AgentCallsCarryTheirSpecAndStructuralPaths) {
  auto host = start_script(script(R"(
phase('Explore');
const a = await agent('first', { label: 'one', model: 'm', tools: ['read_file'], schema: { type: 'object' } });
const b = await agent('second');
return [a, b];)"),
                           nullptr, echo);
  const auto end = host->wait_end();
  ASSERT_EQ(end.state, end_state::completed) << end.error;
  EXPECT_EQ(end.result, json::parse(R"(["first!","second!"])"));
  const auto calls = host->calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(paths(calls), (std::vector<std::string>{"agent-0", "agent-1"}));
  EXPECT_EQ(calls[0].kind, call_kind::agent);
  EXPECT_EQ(calls[0].spec, json::parse(R"({"prompt":"first","label":"one","model":"m",
    "tools":["read_file"],"schema":{"type":"object"},"phase":"Explore"})"));
}

TEST(SandboxApiTest, AgentOptionsAreCheckedBeforeAStepStarts) {
  auto host = start_script(script(R"(
const refused = [];
for (const opts of [{ maxTurns: 0 }, { maxTurns: 2.5 }, { maxTurns: '3' }, { schema: { type: 'array' } }, 'x']) {
  try { await agent('p', opts); } catch (e) { refused.push(e.name + ': ' + e.message); }
}
const ok = await agent('bounded', { maxTurns: 4 });
return { refused, ok };)"),
                           nullptr, echo);
  const auto end = host->wait_end();
  ASSERT_EQ(end.state, end_state::completed) << end.error;
  const auto& refused = end.result.at("refused");
  ASSERT_EQ(refused.size(), 5u) << end.result.dump();
  for (int i = 0; i < 3; ++i)
    EXPECT_NE(refused[i].get<std::string>().find("maxTurns must be a positive integer"),
              std::string::npos)
      << refused[i];
  EXPECT_NE(refused[3].get<std::string>().find("schema's root"), std::string::npos);
  EXPECT_NE(refused[4].get<std::string>().find("opts must be an object"), std::string::npos);
  EXPECT_EQ(end.result.at("ok"), "bounded!");
  const auto calls = host->calls();
  ASSERT_EQ(calls.size(), 1u) << "a refused call asks the host nothing";
  EXPECT_EQ(calls[0].spec.at("maxTurns"), 4);
}

TEST(SandboxApiTest, ParallelNeverRejectsAndAThrowingThunkGivesNull) {
  auto host = start_script(script(R"(
return await parallel([
  () => agent('a'),
  () => { throw new Error('broken'); },
  async () => { await agent('c'); throw new Error('late'); },
  () => agent('d'),
]);)"),
                           nullptr, echo);
  const auto end = host->wait_end();
  ASSERT_EQ(end.state, end_state::completed) << end.error;
  EXPECT_EQ(end.result, json::parse(R"(["a!",null,null,"d!"])"));
  const auto events = host->events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[0].text.find("broken"), std::string::npos);
  EXPECT_NE(events[1].text.find("late"), std::string::npos);
}

// Each item's agents are numbered in the item's own scope, across awaits,
// so paths do not depend on the order in which steps finish.
TEST(SandboxApiTest, ParallelPathsDoNotDependOnTheOrderStepsFinish) {
  const auto body = script(R"(
return await parallel([0, 1, 2].map((i) => async () => {
  const first = await agent('item ' + i + ' first');
  return first + ' / ' + await agent('item ' + i + ' second');
}));)");
  auto by_prompt = [](const std::vector<host_call>& calls) {
    std::map<std::string, std::string> out;
    for (const auto& c : calls) {
      out[c.spec.at("prompt")] = c.path;
    }
    return out;
  };
  auto forward = start_script(body, nullptr, echo);
  ASSERT_EQ(forward->wait_end().state, end_state::completed);

  // The same script, its first three steps answered last to first.
  auto reverse = start_script(body);
  const auto first = reverse->wait_calls(3);
  for (auto it = first.rbegin(); it != first.rend(); ++it) {
    reverse->handle()->settle(it->id, "r");
    reverse->wait_calls(static_cast<std::size_t>(4 + (it - first.rbegin())));
  }
  const auto all = reverse->wait_calls(6);
  for (std::size_t k = 3; k < all.size(); ++k) {
    reverse->handle()->settle(all[k].id, "s");
  }
  ASSERT_EQ(reverse->wait_end().state, end_state::completed);
  // Second steps started in the order 2, 1, 0 this time...
  EXPECT_EQ(all[3].spec.at("prompt"), "item 2 second");
  // ...yet every step has the path it had before.
  EXPECT_EQ(by_prompt(forward->calls()), by_prompt(reverse->calls()));
  EXPECT_EQ(by_prompt(forward->calls()).at("item 1 second"), "parallel-0/item-1/agent-1");
}

TEST(SandboxApiTest, PipelineHasNoBarrierBetweenStages) {
  auto host = start_script(script(R"(
return await pipeline(['x', 'y'],
  (prev, item, i) => agent('stage0 ' + item),
  (prev, item, i) => agent('stage1 ' + prev),
  (prev, item, i) => { if (item === 'y') throw new Error('no y'); return prev + '#' + i; });)"));
  const auto first = host->wait_calls(2);
  // Item y's first stage ends while x's is still running: y moves on alone.
  const auto y0 = std::find_if(first.begin(), first.end(), [](const host_call& c) {
    return c.spec.at("prompt") == "stage0 y";
  });
  ASSERT_NE(y0, first.end());
  EXPECT_EQ(y0->path, "pipeline-0/item-1/stage-0/agent-0");
  host->handle()->settle(y0->id, "Y");
  const auto next = host->wait_calls(3);
  EXPECT_EQ(next[2].spec.at("prompt"), "stage1 Y");
  EXPECT_EQ(next[2].path, "pipeline-0/item-1/stage-1/agent-0");
  for (const auto& c : next) {
    if (c.id != y0->id) {
      host->handle()->settle(c.id,
                             c.spec.at("prompt").get<std::string>() == "stage0 x" ? "X" : "Z");
    }
  }
  const auto after = host->wait_calls(4);
  host->handle()->settle(after[3].id, "XX");
  const auto end = host->wait_end();
  ASSERT_EQ(end.state, end_state::completed) << end.error;
  EXPECT_EQ(end.result, json::parse(R"(["XX#0",null])"));
}

TEST(SandboxApiTest, PipelineRefusesMoreThan4096Items) {
  auto host = start_script(script(R"(
try { await pipeline(new Array(4097).fill(0), (x) => x); } catch (e) { return e.message; })"));
  const auto end = host->wait_end();
  ASSERT_EQ(end.state, end_state::completed);
  EXPECT_NE(end.result.get<std::string>().find("at most 4096"), std::string::npos);
}

TEST(SandboxApiTest, BudgetCountsTokensAndAgentThrowsBudgetExceededOnceSpent) {
  auto host = start_script(script(R"(
const before = [budget.total, budget.spent(), budget.remaining()];
await agent('work');
try {
  await agent('more');
  return 'not stopped';
} catch (e) {
  return { before, after: [budget.spent(), budget.remaining()], name: e.name,
           isBudget: e instanceof BudgetExceeded, message: e.message };
})"),
                           nullptr, {}, {}, {}, 1000);
  const auto c = host->wait_calls(1);
  host->handle()->set_spent(1200); // the step used 700 in and 500 out
  host->handle()->settle(c[0].id, "done");
  const auto end = host->wait_end();
  ASSERT_EQ(end.state, end_state::completed) << end.error;
  EXPECT_EQ(end.result.at("before"), json::parse("[1000,0,1000]"));
  EXPECT_EQ(end.result.at("after"), json::parse("[1200,0]"));
  EXPECT_EQ(end.result.at("name"), "BudgetExceeded");
  EXPECT_EQ(end.result.at("isBudget"), true);
  EXPECT_EQ(host->calls().size(), 1u); // the second agent never started
}

TEST(SandboxApiTest, NestedWorkflowIsAHostCall) {
  auto host = start_script(script("return await workflow('multi-review', { paths: ['a'] });"),
                           nullptr, [](const host_call& c) -> std::optional<json> {
                             return json{{"kind", c.kind == call_kind::workflow ? "w" : "a"},
                                         {"spec", c.spec},
                                         {"path", c.path}};
                           });
  const auto end = host->wait_end();
  ASSERT_EQ(end.state, end_state::completed) << end.error;
  EXPECT_EQ(end.result, json::parse(R"({"kind":"w","path":"workflow-0",
    "spec":{"name":"multi-review","args":{"paths":["a"]}}})"));
}

TEST(SandboxApiTest, PhaseAndLogBecomeEventsWithUniquePaths) {
  auto host = start_script(script(R"(
phase('Scope');
log('looking');
console.log('found', { n: 2 });
await parallel([() => log('in item')]);)"));
  ASSERT_EQ(host->wait_end().state, end_state::completed);
  const auto events = host->events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].what, run_event::kind::phase);
  EXPECT_EQ(events[0].text, "Scope");
  EXPECT_EQ(events[1].text, "looking");
  EXPECT_EQ(events[1].phase, "Scope");
  EXPECT_EQ(events[2].text, R"(found {"n":2})");
  EXPECT_EQ(events[3].path, "parallel-0/item-0/log-0");
  std::set<std::string> unique;
  for (const auto& e : events) {
    unique.insert(e.path);
  }
  EXPECT_EQ(unique.size(), events.size());
}

TEST(SandboxApiTest, AHostRejectionIsAnErrorTheScriptCanCatch) {
  auto host = start_script(script(R"(
try { await agent('x'); } catch (e) { return e.name + ': ' + e.message; })"));
  const auto c = host->wait_calls(1);
  host->handle()->reject(c[0].id, "SchemaMismatch", "three answers did not match the schema");
  const auto end = host->wait_end();
  ASSERT_EQ(end.state, end_state::completed);
  EXPECT_EQ(end.result, "SchemaMismatch: three answers did not match the schema");
}

TEST(SandboxApiTest, UncaughtErrorsFailTheRunNamingLineAndColumn) {
  auto host = start_script(script("const a = 1;\n  throw new Error('boom');"));
  auto end = host->wait_end();
  EXPECT_EQ(end.state, end_state::failed);
  EXPECT_EQ(end.error, "Error: boom (line 3, column 9)");
  host = start_script(script("await agent(42);"));
  end = host->wait_end();
  EXPECT_EQ(end.state, end_state::failed);
  EXPECT_NE(end.error.find("prompt must be a non-empty string (line 2, column 7)"),
            std::string::npos)
    << end.error;
}

TEST(SandboxApiTest, AScriptAwaitingNothingFailsInsteadOfHanging) {
  auto host = start_script(script("await new Promise(() => {});"));
  const auto end = host->wait_end();
  EXPECT_EQ(end.state, end_state::failed);
  EXPECT_NE(end.error.find("nothing will settle"), std::string::npos);
}

TEST(SandboxApiTest, AResultThatIsNotJsonFailsClearly) {
  auto host = start_script(script("const a = {}; a.self = a; return a;"));
  const auto end = host->wait_end();
  EXPECT_EQ(end.state, end_state::failed);
  EXPECT_NE(end.error.find("not JSON"), std::string::npos) << end.error;
}

TEST(SandboxApiTest, CancelEndsARunAwaitingAgentsOnce) {
  auto host = start_script(script("await agent('slow'); return 'finished';"));
  host->wait_calls(1);
  host->handle()->cancel();
  const auto end = host->wait_end();
  EXPECT_EQ(end.state, end_state::cancelled);
  host->handle()->settle(host->calls()[0].id, "late"); // answers after the end change nothing
  host->handle()->cancel();
  EXPECT_EQ(host->ends(), 1);
}

} // namespace
} // namespace boocode::sandbox
