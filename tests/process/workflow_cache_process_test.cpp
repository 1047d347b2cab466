// The step cache on a real node with a fake OpenAI endpoint whose steps use
// the workspace tools: a re-run of an unchanged workflow makes no model call,
// returns the same result and puts back the files its steps wrote; an edited
// prompt, an edited input file and a file changed since a step wrote it each
// run exactly the steps they concern, with the reason shown; a command step
// is checked against the whole workspace; two runs racing for one key leave
// one entry; a run may turn the cache off; a workspace's entries can be
// cleared; a node killed after cached steps resumes without asking them again;
// a cache write stuck on the database holds up no run (not even its own) and
// no chat.
// (A hit on another node: workflow_cluster_process_test.cpp.)
#include <atomic>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/process/model_gate.hpp"
#include "tests/process/workflow_process_fixture.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;
using test::content_of;
using test::fake_reply;
using test::first_prompt;
using test::text;

namespace {

/// Steps by their prompt: "read P" reads P and quotes it, "write P=T"
/// writes T to P, "cmd C" runs `sh -c C`; anything else is answered with
/// "answer: " and its prompt.
std::optional<fake_reply> tool_user(const json& body) {
  auto prompt = first_prompt(body);
  prompt = prompt.substr(0, prompt.find('\n'));
  const auto& last = body["messages"].back();
  bool after_tool = last["role"] == "tool";
  if (prompt.starts_with("read ")) {
    if (after_tool)
      return text("read: " + content_of(last));
    return fake_reply::tool_reply("read_file", json{{"path", prompt.substr(5)}}.dump());
  }
  if (prompt.starts_with("write ")) {
    if (after_tool)
      return text("wrote it");
    auto eq = prompt.find('=');
    return fake_reply::tool_reply(
      "write_file",
      json{{"path", prompt.substr(6, eq - 6)}, {"content", prompt.substr(eq + 1)}}.dump());
  }
  if (prompt.starts_with("cmd ")) {
    if (after_tool)
      return text("ran it");
    return fake_reply::tool_reply("run_command",
                                  json{{"argv", {"sh", "-c", prompt.substr(4)}}}.dump());
  }
  return text("answer: " + prompt);
}

} // namespace

class WorkflowCacheTest : public WorkflowProcessTest {
protected:
  void put(const std::string& name, const std::string& content) {
    std::ofstream(workspace_ / name, std::ios::binary) << content;
  }
  std::string text_of(const std::string& name) {
    std::ifstream in(workspace_ / name, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  /// Runs `script` (with `extra` in the body) to its end.
  json run_script(const std::string& script, const json& extra = json::object()) {
    json body{{"workspace", workspace_.string()}, {"script", script}};
    body.update(extra);
    auto res = start_run(body);
    EXPECT_EQ(res.status, 201) << res.body;
    if (res.status != 201)
      return json::object();
    auto view = wait_ended(res.json()["id"].get<std::string>());
    EXPECT_EQ(view["state"], "completed") << view.dump();
    return view;
  }
  /// The step labelled `label` of a run's view.
  static json step(const json& view, const std::string& label) {
    for (const auto& s : view["steps"])
      if (s["label"] == label)
        return s;
    ADD_FAILURE() << "no step " << label << " in " << view.dump();
    return json::object();
  }
  json cache_of() {
    return test::get_json(to_, "/api/workspaces/cache?workspace=" + workspace_.string());
  }
  /// Waits (20 s at most) for the workspace to hold `n` entries: a step is
  /// stored by its turn just after it ended, so a run may end a moment first.
  void wait_entries(int n) {
    EXPECT_TRUE(poll_until(20s, [&] { return cache_of()["entries"] == n; })) << cache_of().dump();
  }
};

TEST_F(WorkflowCacheTest, AnUnchangedRerunMakesNoModelCallAndEachChangeRunsOnlyItsSteps) {
  model_.set_responder(tool_user);
  put("notes.txt", "first notes");
  const std::string script = R"(export const meta = { name: 'cached', description: 'c' };
const notes = await agent('read notes.txt', { label: 'reader' });
const wrote = await agent('write out.txt=hello from the step', { label: 'writer' });
const votes = await parallel([0, 1, 2].map(() => () => agent('vote yes or no')));
const other = await agent('an unrelated question', { label: 'other' });
return { notes, wrote, votes, other };
)";
  auto first = run_script(script);
  EXPECT_EQ(asked("read notes.txt"), 1);
  EXPECT_EQ(asked("vote"), 3) << "identical calls are three entries";
  for (const auto& s : first["steps"]) {
    EXPECT_EQ(s["cache"]["status"], "miss") << s.dump();
    EXPECT_EQ(s["cache"]["reason"], "first run") << s.dump();
    EXPECT_FALSE(s["cached"].get<bool>());
  }
  wait_entries(6);

  // Unchanged (its written file removed): no model call, the same result,
  // the file put back.
  std::filesystem::remove(workspace_ / "out.txt");
  auto calls_before = model_.requests().size();
  auto second = run_script(script);
  EXPECT_EQ(model_.requests().size(), calls_before) << "a cached re-run calls no model";
  EXPECT_EQ(second["result"], first["result"]);
  EXPECT_EQ(text_of("out.txt"), "hello from the step");
  EXPECT_EQ(second["cache_hits"], 6);
  EXPECT_GT(second["saved_tokens"].get<int64_t>(), 0);
  for (const auto& s : second["steps"]) {
    EXPECT_TRUE(s["cached"].get<bool>()) << s.dump();
    EXPECT_EQ(s["cache"]["status"], "hit");
    EXPECT_EQ(s["usage"]["input"], 0) << "a hit spends no tokens";
  }

  // A file one step read changed: that step runs again, the others hit.
  put("notes.txt", "second notes");
  auto third = run_script(script);
  EXPECT_EQ(asked("read notes.txt"), 2);
  EXPECT_EQ(asked("write out.txt"), 1);
  EXPECT_EQ(asked("vote"), 3);
  EXPECT_EQ(step(third, "reader")["cache"]["reason"], "input changed: notes.txt");
  EXPECT_EQ(third["result"]["notes"], "read: second notes");
  EXPECT_EQ(third["cache_hits"], 5);

  // A file a step wrote changed since: a miss saying so, and the step runs.
  put("out.txt", "edited by hand");
  auto fourth = run_script(script);
  EXPECT_EQ(step(fourth, "writer")["cache"]["reason"], "write conflict: out.txt");
  EXPECT_EQ(asked("write out.txt"), 2);
  EXPECT_EQ(text_of("out.txt"), "hello from the step");

  // A run with the cache off runs everything and says so.
  auto off = run_script(script, {{"cache", "off"}});
  EXPECT_EQ(asked("vote"), 6);
  EXPECT_EQ(step(off, "other")["cache"]["status"], "off");
  EXPECT_EQ(step(off, "other")["cache"]["reason"], "cache disabled: the run's cache is off");

  // Cleared: the next run misses as on its first.
  auto cleared =
    test::http_call(to_, "DELETE", "/api/workspaces/cache?workspace=" + workspace_.string(), "");
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(cleared.json()["entries"], 6);
  EXPECT_EQ(cache_of()["entries"], 0);
  auto fifth = run_script(script);
  EXPECT_EQ(step(fifth, "other")["cache"]["reason"], "first run");
  EXPECT_EQ(fifth["cache_hits"], 0);
}

TEST_F(WorkflowCacheTest, AnEditedPromptRunsItsCallAndTheCallsThatUseItsResult) {
  model_.set_responder(tool_user);
  const std::string script = R"(export const meta = { name: 'chain', description: 'c' };
const a = await agent('alpha ' + args.word, { label: 'alpha' });
const b = await agent('beta after ' + a, { label: 'beta' });
const c = await agent('gamma stays', { label: 'gamma', cache: args.gamma ?? true });
return [a, b, c];
)";
  run_script(script, {{"args", {{"word", "x"}}}});
  wait_entries(3);
  auto edited = run_script(script, {{"args", {{"word", "y"}}}});
  EXPECT_EQ(asked("alpha"), 2);
  EXPECT_EQ(asked("beta"), 2);
  EXPECT_EQ(asked("gamma"), 1);
  EXPECT_EQ(step(edited, "alpha")["cache"]["reason"], "spec changed: prompt");
  EXPECT_EQ(step(edited, "gamma")["cache"]["status"], "hit");
  // Back to x: its entries are still there.
  auto back = run_script(script, {{"args", {{"word", "x"}}}});
  EXPECT_EQ(back["cache_hits"], 3);
  EXPECT_EQ(asked("alpha"), 2);
  // agent(…, {cache: false}): that call runs, the others hit.
  auto uncached = run_script(script, {{"args", {{"word", "x"}, {"gamma", false}}}});
  EXPECT_EQ(asked("gamma"), 2);
  EXPECT_EQ(step(uncached, "gamma")["cache"]["status"], "off");
  EXPECT_EQ(uncached["cache_hits"], 2);
  // Bad input changes nothing.
  auto bad =
    start_run({{"workspace", workspace_.string()}, {"script", script}, {"cache", "sometimes"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("cache must be on, read, write or off"), std::string::npos) << bad.body;
  EXPECT_EQ(test::http_call(to_, "DELETE", "/api/workspaces/cache", "").status, 400);
}

TEST_F(WorkflowCacheTest, ACommandStepHitsWhileTheWorkspaceIsUnchanged) {
  model_.set_responder(tool_user);
  put("in.txt", "input");
  put("other.txt", "bystander");
  const std::string script = R"(export const meta = { name: 'cmd', description: 'c' };
return await agent('cmd cat in.txt > copy.txt', { label: 'copy' });
)";
  run_script(script);
  wait_entries(1);
  EXPECT_EQ(text_of("copy.txt"), "input");
  std::filesystem::remove(workspace_ / "copy.txt");
  auto again = run_script(script);
  EXPECT_EQ(asked("cmd"), 1);
  EXPECT_EQ(step(again, "copy")["cache"]["status"], "hit");
  EXPECT_EQ(text_of("copy.txt"), "input") << "its output is put back";
  put("other.txt", "changed");
  auto changed = run_script(script);
  EXPECT_EQ(asked("cmd"), 2);
  EXPECT_EQ(step(changed, "copy")["cache"]["reason"], "input changed: other.txt");
}

TEST_F(WorkflowCacheTest, TwoRunsRacingForOneKeyLeaveOneWholeEntry) {
  test::model_gate gate;
  model_.set_responder([&gate](const json& body) -> std::optional<fake_reply> {
    if (first_prompt(body).starts_with("solo"))
      gate.wait(); // both runs' steps are asked before either answers
    return tool_user(body);
  });
  const std::string script = R"(export const meta = { name: 'race', description: 'c' };
return await agent('solo question');
)";
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    auto res = start_run({{"workspace", workspace_.string()}, {"script", script}});
    ASSERT_EQ(res.status, 201) << res.body;
    ids.push_back(res.json()["id"].get<std::string>());
  }
  ASSERT_TRUE(poll_until(30s, [&] { return gate.waiting() == 2; }));
  gate.open();
  for (const auto& id : ids)
    EXPECT_EQ(wait_ended(id)["state"], "completed");
  wait_entries(1);
  auto third = run_script(script);
  EXPECT_EQ(third["cache_hits"], 1);
  EXPECT_EQ(third["result"], "answer: solo question");
  EXPECT_EQ(asked("solo"), 2);
}

TEST_F(WorkflowCacheTest, ANodeKilledAfterCachedStepsResumesWithoutAskingThemAgain) {
  std::atomic<bool> stall{false};
  model_.set_responder([&stall](const json& body) -> std::optional<fake_reply> {
    if (first_prompt(body).starts_with("last") && stall) { // the node dies during this call
      fake_reply r = text("never");
      r.fault_kind = fake_reply::fault::stall;
      return r;
    }
    return tool_user(body);
  });
  put("notes.txt", "notes");
  const std::string cached = R"(export const meta = { name: 'kill', description: 'c' };
const a = [];
for (let i = 0; i < 5; i++) a.push(await agent('step ' + i));
a.push(await agent('read notes.txt'));
)";
  run_script(cached + "return a;\n");
  wait_entries(6);
  EXPECT_EQ(asked("step"), 5);
  // The same steps (hits, their rows written behind their answers), then a
  // new one during which the node is killed.
  stall = true;
  auto res = start_run({{"workspace", workspace_.string()},
                        {"script", cached + "a.push(await agent('last one'));\nreturn a;\n"}});
  ASSERT_EQ(res.status, 201) << res.body;
  auto id = res.json()["id"].get<std::string>();
  ASSERT_TRUE(poll_until(30s, [&] { return asked("last") == 1; })) << "the new step never ran";
  node_->signal(SIGKILL);
  ASSERT_EQ(node_->wait_exit(20s), 128 + SIGKILL);
  stall = false;
  start_node("node-2.log");

  auto view = wait_ended(id);
  ASSERT_EQ(view["state"], "completed") << view.dump();
  EXPECT_EQ(asked("step"), 5) << "the cached steps were not asked again";
  EXPECT_EQ(asked("read notes.txt"), 1);
  EXPECT_EQ(asked("last"), 2) << "the step cut short was asked again";
  EXPECT_EQ(view["cache_hits"], 6) << view.dump();
  EXPECT_EQ(view["steps"].size(), 7u);
  EXPECT_EQ(view["result"].size(), 7u);
}

TEST_F(WorkflowCacheTest, ACacheWriteStuckOnTheDatabaseHoldsUpNoRunNorChat) {
  model_.set_responder(tool_user);
  // Writes to the step cache wait for the test's advisory lock.
  db_.scalar("CREATE FUNCTION wait_for_test() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
             " PERFORM pg_advisory_lock_shared(4343); PERFORM pg_advisory_unlock_shared(4343);"
             " RETURN NEW; END $$");
  db_.scalar("CREATE TRIGGER slow_cache BEFORE INSERT OR UPDATE ON step_cache FOR EACH ROW"
             " EXECUTE FUNCTION wait_for_test()");
  auto lock =
    std::make_unique<test::held_transaction>(db_.conninfo(), "SELECT pg_advisory_xact_lock(4343)");
  auto waiting = [&] {
    return std::stoi(
      db_.scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"));
  };
  const std::string script = R"(export const meta = { name: 'stuck', description: 'c' };
return await agent('stored slowly');
)";
  auto res = start_run({{"workspace", workspace_.string()}, {"script", script}});
  ASSERT_EQ(res.status, 201) << res.body;
  auto id = res.json()["id"].get<std::string>();
  ASSERT_TRUE(poll_until(20s, [&] { return waiting() == 1; }))
    << "the step's store did not reach the database";

  // Meanwhile a run with the cache off, and a chat, work.
  auto other = run_script(R"(export const meta = { name: 'free', description: 'c' };
return await agent('not stored');
)",
                          {{"cache", "off"}});
  EXPECT_EQ(other["result"], "answer: not stored");
  auto chat = create_chat();
  test::post_message(to_, chat, "hello", "h-1");
  EXPECT_EQ(test::of_role(test::wait_done(to_, chat), "assistant").size(), 1u);
  // The stuck run is not held up either: its step ended at its checkpoint,
  // and its store waits on its own.
  EXPECT_EQ(wait_ended(id)["result"], "answer: stored slowly");
  EXPECT_EQ(cache_of()["entries"], 0);
  EXPECT_EQ(waiting(), 1);

  // Released: the entry lands, and a re-run hits.
  lock.reset();
  wait_entries(1);
  EXPECT_EQ(run_script(script)["cache_hits"], 1);
  EXPECT_EQ(asked("stored slowly"), 1);
}
