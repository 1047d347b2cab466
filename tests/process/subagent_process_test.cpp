// Background subagents on a real node with a fake OpenAI endpoint that
// answers each agent by what it sends (they call at once, in no fixed
// order): three subagents run tools and their chat is notified once each,
// its next turn reading their results; a kill -9 mid-subagent resumes it
// from its journal; limits queue and refuse; a stop cascades; a user's
// cancel holds notifications back; a subagent's approval reaches its chat's
// browser; worktrees are made, confined, kept or removed.
#include <csignal>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/poll.hpp"
#include "tests/process/chat_process_fixture.hpp"
#include "tests/process/model_gate.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;
using test::content_of;
using test::fake_reply;
using test::first_prompt;

namespace {

/// Whether a model request comes from a subagent (its system prompt says so).
bool from_subagent(const json& body) {
  return content_of(body["messages"][0]).find("background subagent") != std::string::npos;
}

const json& last_message(const json& body) {
  return body["messages"].back();
}

json usage() {
  return {{"prompt_tokens", 100}, {"completion_tokens", 10}, {"total_tokens", 110}};
}

fake_reply text(const std::string& t) {
  return fake_reply::text_reply(t, usage());
}

fake_reply calls(const std::vector<std::pair<std::string, json>>& cs) {
  fake_reply r;
  for (auto& [name, args] : cs)
    r.tool_calls.emplace_back(name, args.dump());
  r.usage = usage();
  return r;
}

json spawn_args(const std::string& name, json more = json::object()) {
  json a{{"description", name}, {"prompt", name + ": list the workspace and report."}};
  a.update(more);
  return a;
}

} // namespace

class SubagentProcessTest : public ChatProcessTest {
protected:
  void SetUp() override {
    // USD per million tokens: a task's cost is known.
    extra_args_.insert(extra_args_.begin(), {"--model-prices", "1,0.5,2"});
    ChatProcessTest::SetUp();
  }

  void TearDown() override {
    held_->open(); // no model call stays blocked past the test
    ChatProcessTest::TearDown();
  }

  json tasks(const std::string& chat) {
    return test::get_json(to_, "/api/chats/" + chat + "/tasks");
  }

  /// The chat's tasks once `done` holds for them (30 s at most).
  json wait_tasks(const std::string& chat, const std::function<bool(const json&)>& done) {
    json list;
    bool ok = poll_until(30s, [&] {
      list = tasks(chat);
      return done(list["items"]);
    });
    EXPECT_TRUE(ok) << "tasks: " << list.dump();
    return list;
  }

  static bool all_in(const json& items, size_t n, const std::string& state) {
    if (items.size() != n)
      return false;
    for (auto& t : items)
      if (t["state"] != state)
        return false;
    return true;
  }

  static json find_task(const json& items, const std::string& description) {
    for (auto& t : items)
      if (t["description"] == description)
        return t;
    ADD_FAILURE() << "no task " << description << " in " << items.dump();
    return json::object();
  }

  /// The chat's user messages that are notifications about `task`.
  static int notifications_about(const json& chat, const std::string& task) {
    int n = 0;
    for (auto& m : test::of_role(chat, "user"))
      if (content_of(m).starts_with("[Background task " + task))
        ++n;
    return n;
  }

  /// Model requests (so far) from the chat itself that contain `text`.
  int chat_requests_with(const std::string& text) {
    int n = 0;
    for (auto& r : model_.requests())
      if (!from_subagent(r.body) && r.body.dump().find(text) != std::string::npos)
        ++n;
    return n;
  }

  std::shared_ptr<test::model_gate> held_ = std::make_shared<test::model_gate>();
};

TEST_F(SubagentProcessTest, ThreeSubagentsRunToolsAndTheChatIsNotifiedOnceForEach) {
  model_.set_responder([](const json& body) -> std::optional<fake_reply> {
    const auto& last = last_message(body);
    if (from_subagent(body)) {
      auto name = first_prompt(body).substr(0, 6); // "task N"
      if (last["role"] == "user")
        return calls({{"list_dir", {{"path", "."}}}});
      return text(name + " found: " + content_of(last).substr(0, 20));
    }
    if (last["role"] == "user" && content_of(last) == "Split the work")
      return calls({{"spawn_subagent", spawn_args("task 1")},
                    {"spawn_subagent", spawn_args("task 2")},
                    {"spawn_subagent", spawn_args("task 3")}});
    if (last["role"] == "tool")
      return text("Three tasks started.");
    return text("Noted.");
  });
  auto chat = create_chat();
  std::ofstream(workspace_ / "notes.txt") << "hello";
  auto ws = test::subscribe(to_, chat);
  test::post_message(to_, chat, "Split the work", "k1");

  auto list = wait_tasks(chat, [](const json& items) { return all_in(items, 3, "completed"); });
  for (int i = 1; i <= 3; ++i) {
    auto t = find_task(list["items"], "task " + std::to_string(i));
    EXPECT_EQ(t["result"].get<std::string>().substr(0, 13), "task " + std::to_string(i) + " found:")
      << t.dump();
    EXPECT_EQ(t["usage"]["input"], 200) << "two model calls of 100 prompt tokens";
    EXPECT_EQ(t["usage"]["output"], 20);
    EXPECT_NEAR(t["cost_usd"].get<double>(), (200 * 1.0 + 20 * 2.0) / 1e6, 1e-12);
    EXPECT_EQ(t["parent_id"], chat);
  }
  EXPECT_EQ(list["totals"]["input"], 600) << "the chat's tasks add up";

  // Each task's end reaches the chat exactly once, and a turn of the chat
  // reads its result.
  json view;
  ASSERT_TRUE(poll_until(30s,
                         [&] {
                           view = test::wait_done(to_, chat);
                           for (auto& t : list["items"])
                             if (notifications_about(view, t["id"]) != 1 ||
                                 chat_requests_with(t["id"]) == 0)
                               return false;
                           return true;
                         }))
    << view.dump();
  for (auto& t : list["items"]) {
    EXPECT_EQ(notifications_about(view, t["id"]), 1) << t["id"];
    EXPECT_GT(chat_requests_with(t["result"].get<std::string>().substr(0, 13)), 0)
      << "the chat's model read " << t["id"] << "'s result";
  }

  // Its browsers saw every task's states as they changed.
  std::map<std::string, std::set<std::string>> seen;
  auto complete = [&seen] {
    bool all = seen.size() == 3;
    for (auto& [id, states] : seen)
      all = all && states.count("completed") == 1 && states.count("running") == 1;
    return all;
  };
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!complete() && std::chrono::steady_clock::now() < deadline)
    if (auto next = ws->read_text(1s); next) {
      auto f = json::parse(*next);
      if (f["type"] == "task_update")
        seen[f["task"]["id"]].insert(f["task"]["state"].get<std::string>());
    }
  EXPECT_TRUE(complete()) << json(seen).dump();

  // A task's conversation and traces are its own, marked as a subagent's.
  auto id = list["items"][0]["id"].get<std::string>();
  auto transcript = test::get_json(to_, "/api/chats/" + id);
  EXPECT_EQ(test::of_role(transcript, "tool").size(), 1u);
  json traces; // written by the trace writer shortly after each call
  ASSERT_TRUE(poll_until(10s,
                         [&] {
                           traces = test::get_json(to_, "/api/chats/" + id + "/traces")["items"];
                           return traces.size() >= 3;
                         }))
    << "two model calls and a tool call: " << traces.dump();
  for (auto& tr : traces) {
    EXPECT_EQ(tr["actor_kind"], "subagent");
    EXPECT_EQ(tr["parent_id"], chat);
  }
  // The chat list shows chats, not the tasks' conversations.
  auto chats = test::get_json(to_, "/api/chats")["items"];
  EXPECT_EQ(chats.size(), 1u) << chats.dump();
  // A task's conversation takes no messages.
  auto res = test::http_call(to_, "POST", "/api/chats/" + id + "/messages",
                             json{{"text", "more"}, {"client_id", "x"}}.dump());
  EXPECT_EQ(res.status, 409) << res.body;
}

TEST_F(SubagentProcessTest, AKilledNodeResumesItsSubagentFromItsJournal) {
  std::atomic<bool> stall{true};
  model_.set_responder([&stall](const json& body) -> std::optional<fake_reply> {
    const auto& last = last_message(body);
    if (from_subagent(body)) {
      if (last["role"] == "user")
        return calls({{"write_file", {{"path", "out.txt"}, {"content", "written once"}}}});
      if (stall) { // the node dies during this call
        fake_reply r = text("never");
        r.fault_kind = fake_reply::fault::stall;
        return r;
      }
      return text("wrote out.txt");
    }
    if (last["role"] == "user" && content_of(last) == "Delegate")
      return calls({{"spawn_subagent", spawn_args("writer")}});
    return text("ok");
  });
  auto chat = create_chat();
  test::post_message(to_, chat, "Delegate", "k1");
  auto subagent_calls = [&](const std::string& last_role) {
    int n = 0;
    for (auto& r : model_.requests())
      if (from_subagent(r.body) && last_message(r.body)["role"] == last_role)
        ++n;
    return n;
  };
  ASSERT_TRUE(poll_until(30s, [&] { return subagent_calls("tool") == 1; }))
    << "the subagent's second call never came";
  node_->signal(SIGKILL);
  ASSERT_EQ(node_->wait_exit(20s), 128 + SIGKILL);
  stall = false;
  start_node("node-2.log");

  auto list = wait_tasks(chat, [](const json& items) { return all_in(items, 1, "completed"); });
  EXPECT_EQ(list["items"][0]["result"], "wrote out.txt");
  EXPECT_EQ(subagent_calls("user"), 1) << "its first step was not done again";
  EXPECT_EQ(subagent_calls("tool"), 2) << "the call cut short was asked again";
  std::ifstream in(workspace_ / "out.txt");
  std::string written((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(written, "written once");
  auto id = list["items"][0]["id"].get<std::string>();
  json view;
  ASSERT_TRUE(poll_until(30s,
                         [&] {
                           view = test::wait_done(to_, chat);
                           return notifications_about(view, id) == 1;
                         }))
    << view.dump();
}

class SubagentLimitsTest : public SubagentProcessTest {
protected:
  void SetUp() override {
    extra_args_ = {"--subagents-per-chat", "1", "--subagent-spawns-per-turn", "2",
                   "--subagent-depth",     "2"};
    SubagentProcessTest::SetUp();
  }
};

TEST_F(SubagentLimitsTest, ExtraTasksQueueOrAreRefusedAndAStopCascades) {
  auto held = held_;
  model_.set_responder([held](const json& body) -> std::optional<fake_reply> {
    const auto& last = last_message(body);
    auto prompt = first_prompt(body);
    if (from_subagent(body)) {
      if (prompt.starts_with("first")) {
        if (last["role"] == "user") // it starts one of its own, then works on
          return calls({{"spawn_subagent", spawn_args("child")}});
        held->wait(); // until the test is done with it
        return text("first done");
      }
      return text(prompt.substr(0, 6) + " done");
    }
    if (last["role"] == "user" && content_of(last) == "Go")
      return calls({{"spawn_subagent", spawn_args("first")},
                    {"spawn_subagent", spawn_args("second")},
                    {"spawn_subagent", spawn_args("third")}});
    return text("ok");
  });
  auto chat = create_chat();
  test::post_message(to_, chat, "Go", "k1");
  // One runs per chat: the second waits, as does the first's child; the third
  // is over the spawns of one turn.
  auto list = wait_tasks(chat, [](const json& items) {
    return items.size() == 3 && find_task(items, "child")["state"] == "queued";
  });
  EXPECT_EQ(find_task(list["items"], "first")["state"], "running");
  EXPECT_EQ(find_task(list["items"], "second")["state"], "queued");
  EXPECT_EQ(find_task(list["items"], "child")["depth"], 2);
  auto view = test::get_json(to_, "/api/chats/" + chat);
  bool refused = false;
  for (auto& m : test::of_role(view, "tool"))
    if (content_of(m).find("at most 2 spawns per turn") != std::string::npos) {
      refused = true;
      EXPECT_EQ(m["outcome"], "error");
      EXPECT_NE(content_of(m).find("Do not retry at once"), std::string::npos);
    }
  EXPECT_TRUE(refused) << view.dump();

  // Stopping the first stops its child too; the second then runs.
  auto first = find_task(list["items"], "first")["id"].get<std::string>();
  ASSERT_TRUE(poll_until(30s, [&] { return held->waiting() == 1; }));
  auto res = test::http_call(to_, "POST", "/api/chats/" + chat + "/tasks/" + first + "/stop", "");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.json()["stopped"], 2);
  list = wait_tasks(
    chat, [](const json& items) { return find_task(items, "second")["state"] == "completed"; });
  EXPECT_EQ(find_task(list["items"], "first")["state"], "cancelled");
  EXPECT_EQ(find_task(list["items"], "child")["state"], "cancelled");
  EXPECT_EQ(find_task(list["items"], "child")["started_at"], nullptr) << "it never ran";
  json chat_view;
  ASSERT_TRUE(poll_until(30s,
                         [&] {
                           chat_view = test::wait_done(to_, chat);
                           return notifications_about(chat_view, first) == 1 &&
                                  notifications_about(
                                    chat_view, find_task(list["items"], "second")["id"]) == 1;
                         }))
    << chat_view.dump();
  // The child's end went to its parent (the first task), not to the chat.
  EXPECT_EQ(notifications_about(chat_view, find_task(list["items"], "child")["id"]), 0);
  auto again = test::http_call(to_, "POST", "/api/chats/" + chat + "/tasks/" + first + "/stop", "");
  EXPECT_EQ(again.json()["stopped"], 0) << "an ended task stops no more";
}

TEST_F(SubagentProcessTest, AfterTheUserCancelsNotificationsWaitForTheirNextMessage) {
  auto held = held_;
  auto parent_held = std::make_shared<test::model_gate>();
  model_.set_responder([held, parent_held](const json& body) -> std::optional<fake_reply> {
    const auto& last = last_message(body);
    if (from_subagent(body)) {
      held->wait();
      return text("the answer is 42");
    }
    if (last["role"] == "user" && content_of(last) == "Start")
      return calls({{"spawn_subagent", spawn_args("asker")}});
    if (last["role"] == "tool" && content_of(last).find("task_id") != std::string::npos) {
      parent_held->wait(); // the user cancels this turn meanwhile
      return text("late");
    }
    return text("Here is what the task found.");
  });
  auto chat = create_chat();
  auto ws = test::subscribe(to_, chat);
  test::post_message(to_, chat, "Start", "k1");
  ASSERT_TRUE(poll_until(30s, [&] { return parent_held->waiting() == 1; }));
  ws->send_text(json{{"type", "cancel"}, {"chat_id", chat}}.dump());
  auto frames = read_until(*ws, "turn_end");
  EXPECT_EQ(frames.back()["outcome"], "cancelled");
  parent_held->open();

  held->open(); // the task ends now
  auto list = wait_tasks(chat, [](const json& items) { return all_in(items, 1, "completed"); });
  auto id = list["items"][0]["id"].get<std::string>();
  // Its notification is shown and waits: no turn starts for it.
  bool shown = false;
  ASSERT_TRUE(poll_until(30s, [&] {
    auto text = ws->read_text(1s);
    if (!text)
      return false;
    auto f = json::parse(*text);
    EXPECT_NE(f["type"], "turn_start") << "a turn started after the user's cancel";
    shown = f["type"] == "message" && content_of(f["message"]).starts_with("[Background task");
    return shown;
  }));
  auto view = test::get_json(to_, "/api/chats/" + chat);
  EXPECT_EQ(view["status"], "idle");
  EXPECT_EQ(test::get_json(to_, "/api/chats/" + chat + "/timeline")["turns"].size(), 1u);

  // The user's next message takes it along.
  test::post_message(to_, chat, "What did it find?", "k2");
  view = test::wait_done(to_, chat);
  EXPECT_EQ(notifications_about(view, id), 1);
  auto requests = model_.requests();
  const auto& body = requests.back().body;
  EXPECT_NE(body.dump().find("the answer is 42"), std::string::npos) << body.dump();
  EXPECT_EQ(content_of(last_message(body)), "What did it find?");
}

TEST_F(SubagentProcessTest, AWorktreeIsConfinedAndKeptOnlyWhenItChangedSomething) {
  auto git = [this](const std::string& args) {
    return std::system(("git -C " + workspace_.string() + " " + args + " >/dev/null 2>&1").c_str());
  };
  std::ofstream(workspace_ / "README") << "base\n";
  std::ofstream(dir_ / "secret.txt") << "not yours";
  ASSERT_EQ(git("init -q"), 0);
  ASSERT_EQ(git("add README"), 0);
  ASSERT_EQ(git("-c user.name=t -c user.email=t@t commit -q -m base"), 0);
  model_.set_responder([](const json& body) -> std::optional<fake_reply> {
    const auto& last = last_message(body);
    auto prompt = first_prompt(body);
    if (from_subagent(body)) {
      if (prompt.starts_with("maker") && last["role"] == "user")
        return calls({{"write_file", {{"path", "made.txt"}, {"content", "new"}}},
                      {"read_file", {{"path", "../../../../secret.txt"}}}});
      return text(prompt.substr(0, 5) + " finished");
    }
    if (last["role"] == "user" && content_of(last) == "Branch out")
      return calls({{"spawn_subagent", spawn_args("maker", {{"worktree", true}})},
                    {"spawn_subagent", spawn_args("idler", {{"worktree", true}})}});
    return text("ok");
  });
  auto chat = create_chat();
  test::post_message(to_, chat, "Branch out", "k1");
  auto list = wait_tasks(chat, [](const json& items) { return all_in(items, 2, "completed"); });
  auto maker = find_task(list["items"], "maker");
  auto idler = find_task(list["items"], "idler");
  auto maker_id = maker["id"].get<std::string>();
  auto tree = workspace_ / ".boocode" / "worktrees" / maker_id;
  EXPECT_EQ(maker["branch"], "boocode/" + maker_id);
  EXPECT_TRUE(std::filesystem::exists(tree / "made.txt")) << "written in its worktree";
  EXPECT_FALSE(std::filesystem::exists(workspace_ / "made.txt")) << "not in the workspace";
  EXPECT_NE(maker["result"].get<std::string>().find("boocode/" + maker_id), std::string::npos)
    << maker.dump();
  EXPECT_NE(maker["result"].get<std::string>().find("made.txt"), std::string::npos)
    << "the diff stat names the file";
  EXPECT_EQ(git("rev-parse --verify boocode/" + maker_id), 0) << "its branch is kept";
  auto idler_id = idler["id"].get<std::string>();
  EXPECT_FALSE(std::filesystem::exists(workspace_ / ".boocode" / "worktrees" / idler_id))
    << "an unchanged worktree is removed";
  EXPECT_NE(git("rev-parse --verify boocode/" + idler_id), 0) << "and its branch";
  // Its file tools could not leave the worktree.
  auto transcript = test::get_json(to_, "/api/chats/" + maker_id);
  bool denied = false;
  for (auto& m : test::of_role(transcript, "tool"))
    if (m["tool_name"] == "read_file") {
      denied = true;
      EXPECT_EQ(m["outcome"], "denied") << m.dump();
      EXPECT_EQ(content_of(m).find("not yours"), std::string::npos);
    }
  EXPECT_TRUE(denied) << transcript.dump();
}

TEST_F(SubagentProcessTest, AWorktreeOutsideGitIsAClearToolError) {
  model_.set_responder([](const json& body) -> std::optional<fake_reply> {
    const auto& last = last_message(body);
    if (last["role"] == "user")
      return calls({{"spawn_subagent", spawn_args("tree", {{"worktree", true}})}});
    return text("ok");
  });
  auto chat = create_chat();
  test::post_message(to_, chat, "Try", "k1");
  auto view = test::wait_done(to_, chat);
  auto tools = test::of_role(view, "tool");
  ASSERT_EQ(tools.size(), 1u);
  EXPECT_EQ(tools[0]["outcome"], "error");
  EXPECT_NE(content_of(tools[0]).find("is not one"), std::string::npos) << tools[0].dump();
  EXPECT_TRUE(tasks(chat)["items"].empty()) << "nothing was written";
}

TEST_F(SubagentProcessTest, ASubagentsApprovalReachesItsChatsBrowserMarkedWithTheTask) {
  model_.set_responder([](const json& body) -> std::optional<fake_reply> {
    const auto& last = last_message(body);
    if (from_subagent(body)) {
      if (last["role"] == "user")
        return calls({{"write_file", {{"path", "asked.txt"}, {"content", "allowed"}}}});
      return text("wrote it");
    }
    if (last["role"] == "user" && content_of(last) == "Delegate")
      return calls({{"spawn_subagent", spawn_args("writer")}});
    return text("ok");
  });
  auto res =
    test::http_call(to_, "POST", "/api/chats",
                    json{{"workspace", workspace_.string()}, {"permission_mode", "ask"}}.dump());
  ASSERT_EQ(res.status, 201) << res.body;
  std::string chat = res.json()["id"];
  auto ws = test::subscribe(to_, chat);
  test::post_message(to_, chat, "Delegate", "k1");
  // The subagent inherits the chat's mode: its write waits, and the chat's
  // browser is asked, with the task named.
  auto frames = read_until(*ws, "approval_request");
  const auto& ask = frames.back();
  ASSERT_TRUE(ask.contains("task_id")) << ask.dump();
  std::string task = ask["task_id"];
  EXPECT_EQ(ask["tool"], "write_file");
  EXPECT_EQ(ask["chat_id"], chat);
  EXPECT_FALSE(std::filesystem::exists(workspace_ / "asked.txt"));
  auto pending = test::get_json(to_, "/api/chats/" + task + "/approvals")["items"];
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(test::get_json(to_, "/api/chats/" + chat)["pending_approvals"], 0)
    << "the chat's own turn waits on nothing";
  auto answer = test::http_call(to_, "POST",
                                "/api/chats/" + task + "/approvals/" + ask["id"].get<std::string>(),
                                json{{"decision", "allow"}}.dump());
  EXPECT_EQ(answer.status, 200) << answer.body;
  frames = read_until(*ws, "approval_resolved");
  EXPECT_EQ(frames.back()["task_id"], task);
  auto list = wait_tasks(chat, [](const json& items) { return all_in(items, 1, "completed"); });
  EXPECT_EQ(list["items"][0]["result"], "wrote it");
  std::ifstream in(workspace_ / "asked.txt");
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), {}), "allowed");
}
