// Workflow runs on a real node with a fake OpenAI endpoint that answers each
// step by its prompt: a run started over REST fans out, asks a step again
// when its answer does not match its schema, logs, and completes with the
// script's result; bad scripts and names are refused before anything runs;
// a kill -9 mid-run resumes it on restart without redoing a finished step.
#include <atomic>
#include <csignal>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/poll.hpp"
#include "tests/process/workflow_process_fixture.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;
using test::content_of;
using test::fake_reply;
using test::first_prompt;
using test::text;

TEST_F(WorkflowProcessTest, ARunFansOutRetriesASchemaMismatchAndReturnsTheScriptsResult) {
  model_.set_responder([](const json& body) -> std::optional<fake_reply> {
    auto prompt = first_prompt(body);
    const auto& last = body["messages"].back();
    if (prompt.starts_with("alpha"))
      return text("A");
    if (prompt.starts_with("beta")) // prose first; the object once asked again
      return content_of(last).find("did not match") != std::string::npos
               ? text("Here: ```json\n{\"word\": \"B\"}\n```")
               : text("The word is B.");
    return text("?");
  });
  const std::string script = R"(export const meta = { name: 'pair', description: 'two agents',
  phases: [{ title: 'Work' }] };
phase('Work');
const [a, b] = await parallel([
  () => agent('alpha: say A', { label: 'alpha' }),
  () => agent('beta: say B', { label: 'beta', schema: { type: 'object',
    properties: { word: { type: 'string' } }, required: ['word'] } }),
]);
log('got ' + a + ' and ' + b.word);
return { a, b: b.word, clock: typeof Date.now() };
)";
  auto res = start_run({{"workspace", workspace_.string()}, {"script", script}});
  ASSERT_EQ(res.status, 201) << res.body;
  auto id = res.json()["id"].get<std::string>();
  EXPECT_TRUE(id.starts_with("w_"));
  EXPECT_EQ(res.json()["name"], "pair");

  auto view = wait_ended(id);
  ASSERT_EQ(view["state"], "completed") << view.dump();
  EXPECT_EQ(view["result"], json::parse(R"({"a":"A","b":"B","clock":"number"})"));
  ASSERT_EQ(view["steps"].size(), 2u);
  for (auto& s : view["steps"]) {
    EXPECT_EQ(s["state"], "completed") << s.dump();
    EXPECT_EQ(s["phase"], "Work");
    EXPECT_TRUE(s["path"] == "parallel-0/item-0/agent-0" ||
                s["path"] == "parallel-0/item-1/agent-0")
      << s.dump();
  }
  EXPECT_EQ(view["phases"], json::parse(R"(["Work"])"));
  ASSERT_EQ(view["logs"].size(), 1u);
  EXPECT_EQ(view["logs"][0]["text"], "got A and B");
  EXPECT_GT(view["usage"]["input"].get<int64_t>(), 0);
  EXPECT_EQ(asked("alpha"), 1);
  EXPECT_EQ(asked("beta"), 2) << "a mismatched answer is asked for again";
}

TEST_F(WorkflowProcessTest, BadScriptsNamesAndRunsAreRefusedClearly) {
  auto res = start_run({{"workspace", workspace_.string()},
                        {"script", "export const meta = { name: 'x', description: 'y' };\n"
                                   "import fs from 'fs';"}});
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("line 2, column 1"), std::string::npos) << res.body;
  res = start_run({{"workspace", workspace_.string()},
                   {"script", "export const meta = { name: 'x', description: 'y' };\n"
                              "const n: number = 1;"}});
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("SyntaxError"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("line 2"), std::string::npos) << res.body;
  res = start_run({{"workspace", workspace_.string()}, {"name", "no-such-workflow"}});
  EXPECT_EQ(res.status, 404) << res.body;
  res = start_run({{"workspace", workspace_.string()}});
  EXPECT_EQ(res.status, 400) << res.body;
  res = start_run({{"workspace", "/nonexistent/place"}, {"name", "deep-research"}});
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_EQ(test::http_call(to_, "GET", "/api/workflow-runs/w_0000000000000000", "").status, 404);
  // The catalog is listed for the workspace.
  auto list = test::get_json(to_, "/api/workflows?workspace=" + workspace_.string());
  std::vector<std::string> names;
  for (auto& w : list["items"])
    names.push_back(w["name"]);
  EXPECT_EQ(names,
            (std::vector<std::string>{"deep-research", "fix-failing-tests", "multi-review"}));
  EXPECT_EQ(model_.request_count(), 0u) << "nothing ran";
}

TEST_F(WorkflowProcessTest, AKilledNodeResumesTheRunWithoutRedoingAFinishedStep) {
  std::atomic<bool> stall{true};
  model_.set_responder([&stall](const json& body) -> std::optional<fake_reply> {
    auto prompt = first_prompt(body);
    if (prompt.starts_with("first"))
      return text("one");
    if (prompt.starts_with("second") && stall) { // the node dies during this call
      fake_reply r = text("never");
      r.fault_kind = fake_reply::fault::stall;
      return r;
    }
    return text("two");
  });
  const std::string script = R"(export const meta = { name: 'steps', description: 'two in a row' };
log('starting');
const a = await agent('first step');
const b = await agent('second step after ' + a);
return [a, b, Math.random() < 2];
)";
  auto res = start_run({{"workspace", workspace_.string()}, {"script", script}});
  ASSERT_EQ(res.status, 201) << res.body;
  auto id = res.json()["id"].get<std::string>();
  ASSERT_TRUE(poll_until(30s, [&] { return asked("second") == 1; })) << "the second step never ran";
  node_->signal(SIGKILL);
  ASSERT_EQ(node_->wait_exit(20s), 128 + SIGKILL);
  stall = false;
  start_node("node-2.log");

  auto view = wait_ended(id);
  ASSERT_EQ(view["state"], "completed") << view.dump();
  EXPECT_EQ(view["result"], json::parse(R"(["one","two",true])"));
  EXPECT_EQ(asked("first"), 1) << "the finished step was not asked again";
  EXPECT_EQ(asked("second"), 2) << "the step cut short was asked again";
  EXPECT_EQ(view["steps"].size(), 2u);
  ASSERT_EQ(view["logs"].size(), 1u) << "the replay's log line is written once";
  EXPECT_EQ(view["logs"][0]["text"], "starting");
}

// A chat's model starts a workflow with run_workflow: the run id comes back
// at once, the run is one of the chat's tasks, and its end reaches the chat
// as one notification that starts the chat's next turn.
TEST_F(WorkflowProcessTest, AChatsModelStartsARunAndIsNotifiedOnceWithItsResult) {
  const std::string script = R"(export const meta = { name: 'one-step', description: 'one agent' };
return { answer: await agent('step: count the files') };
)";
  model_.set_responder([&script](const json& body) -> std::optional<fake_reply> {
    auto prompt = first_prompt(body);
    const auto& last = body["messages"].back();
    if (prompt.starts_with("step:"))
      return text("three files");
    if (last["role"] == "user" && content_of(last) == "Run it") {
      fake_reply r;
      r.tool_calls.emplace_back("run_workflow", json{{"script", script}}.dump());
      r.usage = {{"prompt_tokens", 10}, {"completion_tokens", 2}, {"total_tokens", 12}};
      return r;
    }
    return text("noted");
  });
  auto chat = create_chat();
  test::post_message(to_, chat, "Run it", "k1");
  json tasks;
  ASSERT_TRUE(poll_until(30s,
                         [&] {
                           tasks = test::get_json(to_, "/api/chats/" + chat + "/tasks");
                           return tasks["items"].size() == 1 &&
                                  tasks["items"][0]["state"] == "completed";
                         }))
    << tasks.dump();
  auto id = tasks["items"][0]["id"].get<std::string>();
  EXPECT_TRUE(id.starts_with("w_")) << id;
  EXPECT_EQ(run(id)["result"], json::parse(R"({"answer":"three files"})"));
  json view;
  auto notes = [&] {
    int n = 0;
    for (auto& m : test::of_role(view, "user"))
      if (content_of(m).starts_with("[Background task " + id))
        ++n;
    return n;
  };
  ASSERT_TRUE(poll_until(30s,
                         [&] {
                           view = test::wait_done(to_, chat);
                           return notes() == 1;
                         }))
    << view.dump();
  // The notification started a turn that read the result.
  bool read = false;
  for (auto& r : model_.requests())
    read = read || (!first_prompt(r.body).starts_with("step:") &&
                    r.body.dump().find("three files") != std::string::npos);
  EXPECT_TRUE(read);
}

// Cancelling a step resolves its agent() to null and the script goes on;
// cancelling a run stops its script and then its running steps.
TEST_F(WorkflowProcessTest, ACancelledStepGivesNullAndACancelledRunStopsItsSteps) {
  model_.set_responder([](const json& body) -> std::optional<fake_reply> {
    auto prompt = first_prompt(body);
    if (prompt.starts_with("slow")) { // until it is cancelled
      fake_reply r = text("never");
      r.fault_kind = fake_reply::fault::stall;
      return r;
    }
    return text(prompt.starts_with("quick") ? "q" : prompt);
  });
  const std::string script =
    R"(export const meta = { name: 'cancel', description: 'a step is stopped' };
const [a, b] = await parallel([() => agent('slow one', { label: 'slow' }), () => agent('quick one')]);
return [a, b, await agent('after ' + a + ' ' + b)];
)";
  auto res = start_run({{"workspace", workspace_.string()}, {"script", script}});
  ASSERT_EQ(res.status, 201) << res.body;
  auto id = res.json()["id"].get<std::string>();
  std::string slow;
  ASSERT_TRUE(poll_until(30s,
                         [&] {
                           auto now = run(id);
                           for (auto& s : now["steps"])
                             if (s["label"] == "slow" && s["state"] == "running")
                               slow = s["id"].get<std::string>();
                           return !slow.empty() && asked("slow") == 1;
                         }))
    << run(id).dump() << " asked " << asked("slow");
  auto stop =
    test::http_call(to_, "POST", "/api/workflow-runs/" + id + "/steps/" + slow + "/cancel", "");
  ASSERT_EQ(stop.status, 200) << stop.body;
  EXPECT_EQ(stop.json()["stopped"], 1);
  auto view = wait_ended(id);
  ASSERT_EQ(view["state"], "completed") << view.dump();
  EXPECT_EQ(view["result"], json::parse(R"([null,"q","after null q"])"));
  EXPECT_EQ(
    test::http_call(to_, "POST", "/api/workflow-runs/" + id + "/steps/s_0/cancel", "").status, 404);

  // A whole run: its script stops, then its running step.
  res = start_run({{"workspace", workspace_.string()},
                   {"script", "export const meta = { name: 'stuck', description: 'waits' };\n"
                              "return await agent('slow two');"}});
  ASSERT_EQ(res.status, 201) << res.body;
  id = res.json()["id"].get<std::string>();
  ASSERT_TRUE(poll_until(30s, [&] { return asked("slow two") == 1; }));
  auto cancel = test::http_call(to_, "POST", "/api/workflow-runs/" + id + "/cancel", "");
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  EXPECT_EQ(cancel.json()["cancelled"], true);
  view = wait_ended(id);
  EXPECT_EQ(view["state"], "cancelled") << view.dump();
  ASSERT_TRUE(poll_until(30s, [&] { return run(id)["steps"][0]["state"] == "cancelled"; }))
    << run(id).dump();
  EXPECT_EQ(
    test::http_call(to_, "POST", "/api/workflow-runs/" + id + "/cancel", "").json()["cancelled"],
    false);
}
