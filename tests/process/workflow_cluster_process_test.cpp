// A workflow run on a three-node cluster: the operator sees it with `boocode
// admin actors --kind workflow`, and when the node running it is killed while
// its script computes between steps (no step in flight, nothing in its inbox)
// a survivor takes the run over and replays it: its finished step is not
// asked again and the run completes. `boocode admin migrate` moves a run the
// same way.
#include <atomic>
#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/poll.hpp"
#include "tests/process/cluster_fixture.hpp"
#include "tests/process/model_gate.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;
using test::ClusterTest;
using test::fake_reply;
using test::first_prompt;

namespace {

/// Model calls whose first prompt starts with `start`.
int calls(test::fake_model_server& model, const std::string& start) {
  int n = 0;
  for (auto& r : model.requests())
    n += first_prompt(r.body).starts_with(start);
  return n;
}

/// Run `id` as `to` shows it once it completed (a minute at most), or as it was then.
json wait_completed(const test::endpoint& to, const std::string& id) {
  json view;
  poll_until(60s, [&] {
    view = test::get_json(to, "/api/workflow-runs/" + id);
    return view["state"] == "completed";
  });
  return view;
}

} // namespace

TEST_F(ClusterTest, AWorkflowRunOfAKilledNodeResumesOnASurvivor) {
  std::atomic<bool> stall{true};
  model_.set_responder([&stall](const json& body) -> std::optional<fake_reply> {
    auto prompt = first_prompt(body);
    if (prompt.starts_with("second") && stall) { // in case the kill comes later
      auto r = fake_reply::text_reply("never");
      r.fault_kind = fake_reply::fault::stall;
      return r;
    }
    return fake_reply::text_reply(prompt.starts_with("first") ? "one" : "two");
  });
  const std::string script =
    R"(export const meta = { name: 'busy', description: 'a step, work, a step' };
const a = await agent('first step');
let n = 0;
for (let i = 0; i < 1000000000; i++) n += i % 3; // the script computes between its steps
const b = await agent('second step after ' + a);
return [a, b];
)";
  auto res = test::http_call(to("node-b"), "POST", "/api/workflow-runs",
                             json{{"workspace", workspace_.string()}, {"script", script}}.dump());
  ASSERT_EQ(res.status, 201) << res.body;
  auto id = res.json()["id"].get<std::string>();
  EXPECT_EQ(owner(id), "node-b") << "a run starts where it was asked for";
  auto asked = [&](const std::string& start) { return calls(model_, start); };
  // The first step ended and the run read its end: only its script is busy.
  ASSERT_TRUE(poll_until(30s,
                         [&] {
                           return asked("first") == 1 &&
                                  db_.scalar("SELECT count(*) FROM inbox WHERE actor_id = '" + id +
                                             "'") == "0" &&
                                  db_.scalar("SELECT state FROM tasks WHERE parent_actor = '" + id +
                                             "' AND id <> '" + id + "'") == "completed";
                         }))
    << "asked " << asked("first") << "; inbox: "
    << db_.scalar("SELECT string_agg(kind || ':' || client_id, ',') FROM inbox WHERE actor_id = '" +
                  id + "'")
    << "; steps: "
    << db_.scalar("SELECT string_agg(id || ':' || state, ',') FROM tasks WHERE parent_actor = '" +
                  id + "'");
  auto listed = admin_json("node-a", {"actors", "--kind", "workflow"});
  ASSERT_EQ(listed.size(), 1u) << listed.dump();
  EXPECT_EQ(listed[0]["id"], id);

  kill_node("node-b");
  stall = false;
  auto view = wait_completed(to("node-a"), id);
  ASSERT_EQ(view["state"], "completed") << view.dump();
  EXPECT_EQ(view["result"], json::parse(R"(["one","two"])"));
  EXPECT_NE(owner(id), "node-b") << "a survivor took it over";
  EXPECT_EQ(asked("first"), 1) << "its finished step was not asked again";
  EXPECT_EQ(view["steps"].size(), 2u);
}

// `boocode admin migrate` moves a run while its second step is in flight:
// the run stops on node-b and replays on node-c, where its finished step
// answers from the record and the step in flight (still on node-b) answers
// when it ends; nothing is asked twice.
TEST_F(ClusterTest, AdminMigrateMovesAWorkflowRunAndItReplaysOnTheTarget) {
  // The second step's model call is held until the run has moved.
  auto held = std::make_shared<test::model_gate>();
  struct opener {
    std::shared_ptr<test::model_gate> g;
    ~opener() { g->open(); } // no call stays held past the test
  } open_at_end{held};
  model_.set_responder([held](const json& body) -> std::optional<fake_reply> {
    auto prompt = first_prompt(body);
    if (prompt.starts_with("second"))
      held->wait();
    return fake_reply::text_reply(prompt.starts_with("first") ? "one" : "two");
  });
  const std::string script = R"(export const meta = { name: 'moved', description: 'two steps' };
const a = await agent('first step');
const b = await agent('second step after ' + a);
return [a, b];
)";
  auto res = test::http_call(to("node-b"), "POST", "/api/workflow-runs",
                             json{{"workspace", workspace_.string()}, {"script", script}}.dump());
  ASSERT_EQ(res.status, 201) << res.body;
  auto id = res.json()["id"].get<std::string>();
  auto asked = [&](const std::string& start) { return calls(model_, start); };
  ASSERT_TRUE(poll_until(30s, [&] { return held->waiting() == 1; }))
    << "the second step never asked the model";

  auto r = admin("node-a", {"migrate", id, "node-c"});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(owner(id), "node-c");
  held->open();
  auto view = wait_completed(to("node-a"), id);
  ASSERT_EQ(view["state"], "completed") << view.dump();
  EXPECT_EQ(view["result"], json::parse(R"(["one","two"])"));
  EXPECT_EQ(owner(id), "node-c") << "it ended where it was moved";
  EXPECT_EQ(asked("first"), 1) << "the finished step answered from the record";
  EXPECT_EQ(asked("second"), 1) << "the step in flight was not asked again";
  EXPECT_EQ(view["steps"].size(), 2u);
}

TEST_F(ClusterTest, AStepCachedOnOneNodeHitsOnAnother) {
  model_.set_responder([](const json& body) -> std::optional<fake_reply> {
    return fake_reply::text_reply("answer to " + first_prompt(body));
  });
  const std::string script = R"(export const meta = { name: 'shared', description: 'two steps' };
return [await agent('first question'), await agent('second question')];
)";
  auto run_on = [&](const std::string& node) {
    auto res = test::http_call(to(node), "POST", "/api/workflow-runs",
                               json{{"workspace", workspace_.string()}, {"script", script}}.dump());
    EXPECT_EQ(res.status, 201) << res.body;
    auto id = res.json().value("id", "");
    return std::pair{id, wait_completed(to(node), id)};
  };
  auto [first_id, first] = run_on("node-a");
  ASSERT_EQ(first["state"], "completed") << first.dump();
  // Each step is stored by its turn just after it ended.
  ASSERT_TRUE(poll_until(20s, [&] {
    return test::get_json(to("node-a"),
                          "/api/workspaces/cache?workspace=" + workspace_.string())["entries"] == 2;
  }));
  auto [second_id, second] = run_on("node-b");
  ASSERT_EQ(second["state"], "completed") << second.dump();
  EXPECT_NE(owner(first_id), owner(second_id)) << "the runs ran on two nodes";
  EXPECT_EQ(second["result"], first["result"]);
  EXPECT_EQ(second["cache_hits"], 2) << second.dump();
  EXPECT_EQ(calls(model_, "first"), 1);
  EXPECT_EQ(calls(model_, "second"), 1);
}
