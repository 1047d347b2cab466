// A cluster of three real nodes on one PostgreSQL, talking over CAF on
// loopback: a chat owned by one node used through another, nodes killed
// (SIGKILL) idle and mid-turn, a hung node (SIGSTOP) declared dead and then
// woken (SIGCONT), and a node drained by SIGTERM while a browser watches.
#include <csignal>
#include <fstream>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/child_process.hpp"
#include "runtime/poll.hpp"
#include "tests/process/chat_process_fixture.hpp"
#include "tests/support/tls_client.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;
using test::fake_reply;

namespace {

/// An answer that streams for about 5 s: long enough to act while it does.
fake_reply slow_reply() {
  auto r = fake_reply::text_reply(std::string(400, 'a'));
  r.interval = 50ms;
  return r;
}

} // namespace

class ClusterTest : public ::testing::Test {
protected:
  struct node {
    std::unique_ptr<test::node_process> proc;
    test::endpoint to;
    int starts = 0;
    bool running = false;
  };

  void SetUp() override {
    std::filesystem::create_directories(workspace_);
    std::filesystem::permissions(workspace_, std::filesystem::perms::all);
    for (auto id : {"node-a", "node-b", "node-c"})
      start(id);
  }

  void TearDown() override {
    // One after the other, as an operator would: each drains to the rest.
    for (auto& [id, n] : nodes_)
      if (n.running) {
        if (n.proc->pid() > 0)
          n.proc->signal(SIGCONT); // a test may have left it stopped
        n.proc->signal(SIGTERM);
        EXPECT_EQ(n.proc->wait_exit(60s), 0) << id << " did not stop cleanly";
      }
    if (HasFailure())
      for (auto& [id, n] : nodes_)
        std::cerr << "---- " << id << ":\n" << n.proc->output() << "\n";
  }

  void start(const std::string& id) {
    auto& n = nodes_[id];
    n.proc.reset();
    n.proc = std::make_unique<test::node_process>(
      std::vector<std::string>{"serve", "--listen", "127.0.0.1:0", "--data-dir",
                               (dir_ / id).string(), "--node-id", id, "--database-url",
                               db_.conninfo(), "--heartbeat-interval", "250ms", "--node-timeout",
                               "1500ms", "--model-base-url", model_.base_url(), "--model",
                               "fake-model", "--passivate-after", passivate_after_},
      dir_ / (id + "-" + std::to_string(++n.starts) + ".log"));
    n.proc->wait_ready();
    n.to = n.proc->address();
    n.running = true;
  }

  const test::endpoint& to(const std::string& id) { return nodes_.at(id).to; }

  void kill_node(const std::string& id) {
    auto& n = nodes_.at(id);
    n.proc->signal(SIGKILL);
    ASSERT_EQ(n.proc->wait_exit(20s), 128 + SIGKILL);
    n.running = false;
  }

  std::string owner(const std::string& chat) {
    return db_.scalar("SELECT node_id FROM actor_leases WHERE actor_id = '" + chat + "'");
  }

  std::string node_state(const std::string& id) {
    return db_.scalar("SELECT state FROM nodes WHERE id = '" + id + "'");
  }

  /// A new chat (created through node-a) that node `id` owns.
  std::string chat_on(const std::string& id) {
    for (int i = 0; i < 6; ++i) {
      auto res = test::http_call(to("node-a"), "POST", "/api/chats",
                                 json{{"workspace", workspace_.string()}}.dump());
      EXPECT_EQ(res.status, 201) << res.body;
      std::string chat = res.json()["id"];
      if (owner(chat) == id)
        return chat;
    }
    ADD_FAILURE() << "no chat was placed on " << id;
    return "";
  }

  /// Frames until `type`, dropping the ones before it.
  static json next(test::ws_client& ws, const std::string& type,
                   std::chrono::milliseconds t = 30s) {
    auto frames = test::read_until(ws, type, t);
    return frames.empty() ? json{} : frames.back();
  }

  /// Reads until the browser sees the chat's turn over: a turn_end, or a
  /// snapshot of the idle chat holding `answer` (the new owner finished the
  /// turn before the browser was re-pointed to it).
  static void until_answered(test::ws_client& ws, const std::string& answer) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto text = ws.read_text(10s);
      if (!text)
        break;
      auto f = json::parse(*text);
      if (f["type"] == "turn_end")
        return;
      if (f["type"] == "snapshot" && f["status"] == "idle" && f.contains("messages"))
        for (auto& m : f["messages"])
          if (m["role"] == "assistant" && m["content"] == answer)
            return;
    }
    ADD_FAILURE() << "the browser never saw the answer '" << answer << "'";
  }

  std::string passivate_after_ = "3m"; // the default
  test::temp_dir dir_;
  test::test_database db_{false}; // the nodes migrate it
  std::filesystem::path workspace_ = dir_ / "workspace";
  test::fake_model_server model_;
  std::map<std::string, node> nodes_;
};

// A browser on node A opens, messages and watches a chat node B owns: the
// frames come from B's session through CAF.
TEST_F(ClusterTest, AChatOwnedByAnotherNodeIsUsedThroughAny) {
  model_.enqueue(fake_reply::text_reply("Answered by B."));
  auto id = chat_on("node-b");
  auto ws = test::subscribe(to("node-a"), id);
  test::post_message(to("node-a"), id, "hello", "m-1");
  auto frames = test::read_until(*ws, "turn_end");
  std::string text;
  for (auto& f : frames)
    if (f["type"] == "assistant_delta")
      text += f.value("text", "");
  EXPECT_EQ(text, "Answered by B.");
  auto via_c = test::wait_done(to("node-c"), id);
  ASSERT_EQ(test::of_role(via_c, "assistant").size(), 1u);
  EXPECT_EQ(owner(id), "node-b") << "the chat stays with its owner";
  EXPECT_NE(nodes_.at("node-b").proc->output().find("chat " + id), std::string::npos)
    << "B's log does not mention the chat it ran";
}

// B is killed while its chats are idle: the survivors take them over, the
// browser on A keeps its stream, and each chat answers its next message once.
TEST_F(ClusterTest, AKilledNodesChatsMoveAndTheStreamContinues) {
  std::vector<std::string> chats;
  for (int i = 0; i < 3; ++i)
    chats.push_back(chat_on("node-b"));
  auto ws = test::subscribe(to("node-a"), chats[0]);
  kill_node("node-b");
  EXPECT_TRUE(poll_until(10s, [&] { return node_state("node-b") == "dead"; }));
  for (size_t i = 0; i < chats.size(); ++i) {
    model_.enqueue(fake_reply::text_reply("after the failover"));
    test::post_message(to("node-a"), chats[i], "still there?", "m-" + std::to_string(i));
  }
  // The same WebSocket: a fresh snapshot from the new owner, and the turn.
  until_answered(*ws, "after the failover");
  std::set<std::string> owners;
  for (auto& id : chats) {
    auto chat = test::wait_done(to("node-c"), id);
    ASSERT_EQ(test::of_role(chat, "user").size(), 1u) << chat.dump();
    ASSERT_EQ(test::of_role(chat, "assistant").size(), 1u) << chat.dump();
    owners.insert(owner(id));
  }
  EXPECT_EQ(owners.count("node-b"), 0u);
  EXPECT_EQ(model_.request_count(), 3u);
}

/// Nodes whose idle chats unload after 300 ms.
class PassivatingClusterTest : public ClusterTest {
protected:
  void SetUp() override {
    passivate_after_ = "300ms";
    ClusterTest::SetUp();
  }

  /// Chats node `id` holds unloaded, as its health says.
  int64_t unloaded_on(const std::string& id) {
    return test::get_json(to(id), "/api/health")["sessions"]["unloaded"].get<int64_t>();
  }
};

// A chat that unloaded on B (idle, nobody watching) when B is killed: a
// survivor takes it over and loads it from its last checkpoint; a browser
// that comes back gets the whole chat under the new epoch, then every frame
// of the next turn once, in order.
TEST_F(PassivatingClusterTest, AnUnloadedChatOutlivesItsOwnersDeath) {
  model_.enqueue(fake_reply::text_reply("first answer"));
  auto id = chat_on("node-b");
  {
    auto ws = test::subscribe(to("node-a"), id);
    test::post_message(to("node-a"), id, "first", "m-1");
    auto frames = test::read_until(*ws, "turn_end");
    ASSERT_FALSE(frames.empty());
  }
  auto epoch =
    std::stoll(db_.scalar("SELECT epoch FROM actor_leases WHERE actor_id = '" + id + "'"));
  ASSERT_TRUE(poll_until(20s, [&] { return unloaded_on("node-b") == 1; }));
  kill_node("node-b");
  ASSERT_TRUE(poll_until(10s, [&] { return node_state("node-b") == "dead"; }));

  model_.enqueue(fake_reply::text_reply("second answer"));
  auto ws = std::make_unique<test::ws_client>(to("node-a"));
  ASSERT_TRUE(ws->read_text()); // hello
  ws->send_text(json{{"type", "subscribe"}, {"chat_id", id}}.dump());
  auto snap = next(*ws, "snapshot");
  ASSERT_EQ(snap["messages"].size(), 2u) << snap.dump();
  EXPECT_GT(snap["epoch"].get<int64_t>(), epoch); // a new owner: its frames start anew
  EXPECT_EQ(snap["messages"][1]["content"], "first answer");
  test::post_message(to("node-a"), id, "second", "m-2");
  auto frames = test::read_until(*ws, "turn_end");
  // Frames follow the snapshot of the owner they come from, one seq each.
  int64_t at = snap["seq"].get<int64_t>();
  std::string text;
  for (auto& f : frames) {
    if (f["type"] == "snapshot") { // the survivor's, if the first came from elsewhere
      at = f["seq"].get<int64_t>();
      EXPECT_GT(f["epoch"].get<int64_t>(), epoch);
      continue;
    }
    if (!f.contains("seq"))
      continue;
    EXPECT_EQ(f["seq"].get<int64_t>(), ++at) << f.dump();
    if (f["type"] == "assistant_delta")
      text += f.value("text", "");
  }
  EXPECT_EQ(text, "second answer");
  EXPECT_NE(owner(id), "node-b");
  auto chat = test::wait_done(to("node-c"), id);
  EXPECT_EQ(test::of_role(chat, "user").size(), 2u);
  EXPECT_EQ(test::of_role(chat, "assistant").size(), 2u);
  EXPECT_EQ(model_.request_count(), 2u);
}

// B is killed mid-answer: a survivor resumes the turn from B's checkpoint and
// journal; the browser on A sees it finish; the message is answered once.
TEST_F(ClusterTest, AKilledNodesRunningTurnResumesOnASurvivor) {
  model_.enqueue(slow_reply());
  model_.enqueue(fake_reply::text_reply("The complete answer."));
  auto id = chat_on("node-b");
  auto ws = test::subscribe(to("node-a"), id);
  auto msg = test::post_message(to("node-a"), id, "hello", "m-1");
  next(*ws, "assistant_delta");
  kill_node("node-b");
  until_answered(*ws, "The complete answer.");
  auto chat = test::wait_done(to("node-a"), id);
  auto users = test::of_role(chat, "user");
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0]["id"], msg);
  auto replies = test::of_role(chat, "assistant");
  ASSERT_EQ(replies.size(), 1u) << chat.dump();
  EXPECT_EQ(replies[0]["content"], "The complete answer.");
  EXPECT_NE(owner(id), "node-b");
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM chat_turns"), "1");
}

// A command on B waits for a decision; a browser on A sees the request. B is
// killed: a survivor resumes the turn and asks again (the same request);
// answered through C, the command runs once.
TEST_F(ClusterTest, AnApprovalWaitingOnAKilledNodeIsAnsweredOnceThroughAnother) {
  model_.enqueue(
    fake_reply::tool_reply("run_command", R"({"argv":["sh","-c","echo ran >> ran.txt"]})"));
  model_.enqueue(fake_reply::text_reply("Ran it."));
  auto id = chat_on("node-b");
  auto patched = test::http_call(to("node-a"), "PATCH", "/api/chats/" + id,
                                 json{{"permission_mode", "ask"}}.dump());
  ASSERT_EQ(patched.status, 200) << patched.body;
  auto ws = test::subscribe(to("node-a"), id);
  test::post_message(to("node-a"), id, "run it", "m-1");
  std::string approval = next(*ws, "approval_request")["id"];
  ASSERT_FALSE(approval.empty());
  kill_node("node-b");
  // A survivor owns the chat and its resumed turn waits on the same request.
  ASSERT_TRUE(poll_until(30s, [&] {
    auto o = owner(id);
    return !o.empty() && o != "node-b" &&
           nodes_.at(o).proc->output().find("chat " + id + " turn 1 waits for an approval") !=
             std::string::npos;
  }));
  auto pending = test::get_json(to("node-c"), "/api/chats/" + id + "/approvals")["items"];
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0]["id"], approval);
  EXPECT_FALSE(std::filesystem::exists(workspace_ / "ran.txt"));
  auto answered =
    test::http_call(to("node-c"), "POST", "/api/chats/" + id + "/approvals/" + approval,
                    json{{"decision", "allow"}}.dump());
  ASSERT_EQ(answered.status, 200) << answered.body;
  EXPECT_EQ(test::http_call(to("node-a"), "POST", "/api/chats/" + id + "/approvals/" + approval,
                            json{{"decision", "deny"}}.dump())
                .status /
              100,
            4)
    << "a second answer was taken";
  auto chat = test::wait_done(to("node-a"), id);
  auto results = test::of_role(chat, "tool");
  ASSERT_EQ(results.size(), 1u) << chat.dump();
  EXPECT_EQ(results[0]["outcome"], "ok");
  std::ifstream in(workspace_ / "ran.txt");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(all, "ran\n") << "the command ran more than once, or never";
}

// B hangs (SIGSTOP) mid-answer: its heartbeat lapses, the cluster declares it
// dead and a survivor answers. Woken (SIGCONT), B finds itself declared dead,
// stops its stale session without writing and rejoins empty.
TEST_F(ClusterTest, AHungNodeIsDeclaredDeadAndItsStaleWritesAreRefused) {
  model_.enqueue(slow_reply());
  model_.enqueue(fake_reply::text_reply("Answered by a survivor."));
  auto id = chat_on("node-b");
  auto ws = test::subscribe(to("node-a"), id);
  test::post_message(to("node-a"), id, "hello", "m-1");
  next(*ws, "assistant_delta");
  auto& b = nodes_.at("node-b");
  b.proc->signal(SIGSTOP);
  EXPECT_TRUE(poll_until(15s, [&] { return node_state("node-b") == "dead"; }));
  auto chat = test::wait_done(to("node-a"), id);
  EXPECT_NE(owner(id), "node-b");
  auto epoch = db_.scalar("SELECT epoch FROM actor_leases WHERE actor_id = '" + id + "'");
  b.proc->signal(SIGCONT);
  ASSERT_TRUE(poll_until(
    20s, [&] { return b.proc->output().find("rejoined the cluster") != std::string::npos; }))
    << b.proc->output();
  EXPECT_EQ(node_state("node-b"), "up");
  // B's stale turn wrote nothing: one reply, the survivor's; the lease as the
  // survivor left it.
  EXPECT_NE(b.proc->output().find("declared this node dead"), std::string::npos);
  chat = test::wait_done(to("node-b"), id);
  auto replies = test::of_role(chat, "assistant");
  ASSERT_EQ(replies.size(), 1u) << chat.dump();
  EXPECT_EQ(replies[0]["content"], "Answered by a survivor.");
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM chat_turns"), "1");
  EXPECT_EQ(db_.scalar("SELECT epoch FROM actor_leases WHERE actor_id = '" + id + "'"), epoch);
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM actor_leases WHERE node_id = 'node-b'"), "0")
    << "B rejoined holding chats";
  // B serves again: a message through it reaches the chat's owner.
  model_.enqueue(fake_reply::text_reply("Again."));
  test::post_message(to("node-b"), id, "again", "m-2");
  chat = test::wait_done(to("node-b"), id);
  EXPECT_EQ(test::of_role(chat, "assistant").size(), 2u);
}

// SIGTERM drains B: its running turn finishes there, then its chats move to
// the others; the browser on A follows the chat to its new owner.
TEST_F(ClusterTest, DrainingANodeMovesItsChatsWhileABrowserWatches) {
  model_.enqueue(slow_reply());
  auto id = chat_on("node-b");
  auto idle = chat_on("node-b");
  auto ws = test::subscribe(to("node-a"), id);
  test::post_message(to("node-a"), id, "hello", "m-1");
  next(*ws, "assistant_delta");
  auto& b = nodes_.at("node-b");
  b.proc->signal(SIGTERM);
  EXPECT_EQ(b.proc->wait_exit(60s), 0) << b.proc->output();
  b.running = false;
  EXPECT_NE(b.proc->output().find("drained: 2 chat(s) moved"), std::string::npos)
    << b.proc->output();
  EXPECT_EQ(node_state("node-b"), "stopped");
  auto end = next(*ws, "turn_end");
  EXPECT_EQ(end.value("outcome", ""), "completed") << "the turn was cut short: " << end.dump();
  auto snapshot = next(*ws, "snapshot");
  EXPECT_EQ(snapshot.value("status", ""), "idle");
  for (auto& chat : {id, idle})
    EXPECT_TRUE(owner(chat) == "node-a" || owner(chat) == "node-c") << owner(chat);
  model_.enqueue(fake_reply::text_reply("From the new owner."));
  test::post_message(to("node-a"), id, "and now?", "m-2");
  next(*ws, "turn_end");
  auto chat = test::wait_done(to("node-a"), id);
  auto replies = test::of_role(chat, "assistant");
  ASSERT_EQ(replies.size(), 2u) << chat.dump();
  EXPECT_EQ(replies[1]["content"], "From the new owner.");
  EXPECT_EQ(model_.request_count(), 2u) << "the drained turn was asked again";
}

// A survivor does not take over a chat whose workspace it cannot see: the
// browser is told why, the message waits, and once the folder is back (a
// remounted share) the chat is taken over and answered.
TEST_F(ClusterTest, AChatWhoseWorkspaceIsGoneIsRefusedUntilItIsBack) {
  auto id = chat_on("node-b");
  auto ws = test::subscribe(to("node-a"), id);
  kill_node("node-b");
  auto moved = dir_ / "workspace-unmounted";
  std::filesystem::rename(workspace_, moved);
  model_.enqueue(fake_reply::text_reply("Back again."));
  auto msg = test::post_message(to("node-a"), id, "are the files there?", "m-1");
  auto failed = next(*ws, "session_failed");
  EXPECT_NE(failed.value("error", "").find("not reachable on node"), std::string::npos)
    << failed.dump();
  EXPECT_EQ(owner(id), "node-b") << "claimed without its workspace";
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM inbox WHERE consumed_at IS NULL"), "1");
  std::filesystem::rename(moved, workspace_);
  until_answered(*ws, "Back again.");
  auto chat = test::wait_done(to("node-a"), id);
  ASSERT_EQ(test::of_role(chat, "user").size(), 1u);
  EXPECT_EQ(test::of_role(chat, "user")[0]["id"], msg);
  EXPECT_NE(owner(id), "node-b");
}

// ---- The admin port, through the real `boocode admin` command.

namespace {

struct command_result {
  int code = -1;
  std::string output;
};

} // namespace

class AdminTest : public ClusterTest {
protected:
  /// Runs `boocode admin --connect <node's admin port> args...`.
  command_result admin(const std::string& node, std::vector<std::string> args,
                       std::vector<std::string> env = {}) {
    auto address = db_.scalar("SELECT admin_address FROM nodes WHERE id = '" + node + "'");
    std::vector<std::string> argv{test::boocode_binary(), "admin", "--connect", address};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, env);
  }
  command_result run(const std::vector<std::string>& argv, std::vector<std::string> env = {}) {
    auto log = dir_ / ("admin-" + std::to_string(++runs_) + ".out");
    boocode::child_options o;
    o.argv = argv;
    o.log_file = log;
    env.push_back("PATH=/usr/bin:/bin");
    env.push_back("USER=tester");
    o.env = env;
    command_result r;
    r.code = boocode::run_to_completion(o, 120s);
    std::ifstream in(log);
    r.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return r;
  }
  json admin_json(const std::string& node, std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    auto r = admin(node, args);
    EXPECT_EQ(r.code, 0) << r.output;
    return json::parse(r.output, nullptr, false);
  }
  int runs_ = 0;
};

TEST_F(AdminTest, ListsTheClusterAndInspectsAChatMidTurn) {
  // An answer that streams far longer than the test takes (cancelled at its end).
  auto endless = fake_reply::text_reply(std::string(4000, 'a'));
  endless.interval = 50ms;
  model_.enqueue(endless);
  auto id = chat_on("node-b");
  auto ws = test::subscribe(to("node-a"), id);
  test::post_message(to("node-a"), id, "hello", "m-1");
  next(*ws, "assistant_delta");

  auto table = admin("node-a", {"nodes"});
  EXPECT_EQ(table.code, 0) << table.output;
  for (auto n : {"node-a", "node-b", "node-c"})
    EXPECT_NE(table.output.find(n), std::string::npos) << table.output;
  auto nodes = admin_json("node-c", {"nodes"});
  ASSERT_EQ(nodes.size(), 3u) << nodes.dump();
  for (auto& n : nodes) {
    EXPECT_EQ(n["state"], "up");
    EXPECT_LT(n["heartbeat_age_ms"].get<int>(), 5000);
    EXPECT_FALSE(n["admin_address"].get<std::string>().empty());
  }

  // Asked through node A about a chat node B runs: B's live state.
  auto actors = admin_json("node-a", {"actors", "--node", "node-b"});
  json mine;
  for (auto& a : actors)
    if (a["id"] == id)
      mine = a;
  ASSERT_FALSE(mine.is_null()) << actors.dump();
  EXPECT_EQ(mine["owner"], "node-b");
  EXPECT_EQ(mine["state"], "running");
  EXPECT_EQ(mine["turn"], 1);
  auto detail = admin_json("node-c", {"inspect", id});
  EXPECT_EQ(detail["state"], "running");
  ASSERT_FALSE(detail["journal"].empty()) << detail.dump();
  EXPECT_EQ(detail["journal"][0]["kind"], "start");
  ASSERT_EQ(detail["mailbox"].size(), 1u);
  EXPECT_EQ(detail["mailbox"][0]["content"], "hello");
  EXPECT_EQ(detail["mailbox"][0]["taken_turn"], 1);
  EXPECT_EQ(detail["subscribers"].size(), 1u) << "the browser on node A";
  auto text = admin("node-a", {"inspect", id});
  EXPECT_EQ(text.code, 0);
  EXPECT_NE(text.output.find("journal (turn in progress)"), std::string::npos) << text.output;
  ws->send_text(json{{"type", "cancel"}, {"chat_id", id}}.dump());
  EXPECT_EQ(next(*ws, "turn_end").value("outcome", ""), "cancelled");
}

TEST_F(AdminTest, MigratesAChatWhileABrowserWatchesThenDrainsANode) {
  model_.enqueue(fake_reply::text_reply("first"));
  auto id = chat_on("node-b");
  auto ws = test::subscribe(to("node-a"), id);
  test::post_message(to("node-a"), id, "one", "m-1");
  next(*ws, "turn_end");
  auto r = admin("node-a", {"migrate", id, "node-c"});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("moved"), std::string::npos);
  EXPECT_EQ(owner(id), "node-c");
  auto snapshot = next(*ws, "snapshot");
  EXPECT_EQ(snapshot["messages"].size(), 2u) << snapshot.dump();
  model_.enqueue(fake_reply::text_reply("second"));
  test::post_message(to("node-a"), id, "two", "m-2");
  next(*ws, "turn_end");
  EXPECT_NE(nodes_.at("node-a").proc->output().find("tester@"), std::string::npos)
    << "the change was not logged with who asked";

  // Drain node C through node A: its chats move, then it stops.
  r = admin("node-a", {"drain", "node-c"});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(nodes_.at("node-c").proc->wait_exit(60s), 0);
  nodes_.at("node-c").running = false;
  EXPECT_EQ(node_state("node-c"), "stopped");
  EXPECT_TRUE(owner(id) == "node-a" || owner(id) == "node-b") << owner(id);
  model_.enqueue(fake_reply::text_reply("third"));
  test::post_message(to("node-a"), id, "three", "m-3");
  until_answered(*ws, "third");
  auto chat = test::wait_done(to("node-a"), id);
  EXPECT_EQ(test::of_role(chat, "assistant").size(), 3u);
}

TEST_F(AdminTest, StopAndRestartAChat) {
  model_.enqueue(fake_reply::text_reply("before"));
  auto id = chat_on("node-b");
  auto ws = test::subscribe(to("node-a"), id);
  test::post_message(to("node-a"), id, "one", "m-1");
  next(*ws, "turn_end");
  auto r = admin("node-c", {"stop", id});
  EXPECT_EQ(r.code, 0) << r.output;
  auto stopped = next(*ws, "session_failed");
  EXPECT_NE(stopped.value("error", "").find("stopped by an operator"), std::string::npos);
  EXPECT_EQ(admin_json("node-a", {"inspect", id})["state"], "stopped");
  model_.enqueue(fake_reply::text_reply("after"));
  test::post_message(to("node-a"), id, "two", "m-2"); // waits in the inbox
  EXPECT_EQ(admin_json("node-a", {"inspect", id})["mailbox"].size(), 1u);
  r = admin("node-a", {"restart", id});
  EXPECT_EQ(r.code, 0) << r.output;
  until_answered(*ws, "after");
  EXPECT_EQ(test::of_role(test::wait_done(to("node-a"), id), "assistant").size(), 2u);
}

TEST_F(AdminTest, ErrorsAreClearAndExitNonZero) {
  auto id = chat_on("node-b");
  auto expect_error = [&](const command_result& r, const std::string& what) {
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find(what), std::string::npos) << r.output;
  };
  expect_error(admin("node-a", {"inspect", "c_nope"}), "not_found: no actor c_nope");
  expect_error(admin("node-a", {"migrate", id, "node-z"}), "not_found: no node node-z");
  expect_error(admin("node-a", {"drain", "node-z"}), "not_found: no node node-z");
  expect_error(admin("node-a", {"restart", "c_nope"}), "not_found");
  EXPECT_EQ(owner(id), "node-b") << "a refused call changed something";
  expect_error(run({test::boocode_binary(), "admin", "--connect", "127.0.0.1:1", "nodes"}),
               "unreachable");
  auto usage = run({test::boocode_binary(), "admin", "dance"});
  EXPECT_EQ(usage.code, 2);
  EXPECT_NE(usage.output.find("unknown command 'dance'"), std::string::npos) << usage.output;
}

TEST_F(AdminTest, BeyondLoopbackEveryCallNeedsTheTokenOverTls) {
  // A node without a token, or without TLS, may not listen beyond loopback.
  auto refused = run({test::boocode_binary(), "serve", "--admin-listen", "0.0.0.0:0", "--data-dir",
                      (dir_ / "x").string()});
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.output.find("--admin-token"), std::string::npos) << refused.output;
  auto clear = run({test::boocode_binary(), "serve", "--admin-listen", "0.0.0.0:0", "--data-dir",
                    (dir_ / "x").string()},
                   {"BOOCODE_ADMIN_TOKEN=s3cret-token-0123456789"});
  EXPECT_EQ(clear.code, 2);
  EXPECT_NE(clear.output.find("--admin-tls-cert"), std::string::npos) << clear.output;
  // node-d listens on every address with a token, over TLS.
  auto certs = dir_ / "certs";
  test::make_test_certs(certs, {"node-d"});
  auto ca = (certs / "ca.pem").string();
  // KJ checks the certificate's DNS names: 127.0.0.1 is reached as localhost.
  auto& d = nodes_["node-d"];
  d.proc = std::make_unique<test::node_process>(
    std::vector<std::string>{
      "serve", "--listen", "127.0.0.1:0", "--data-dir", (dir_ / "node-d").string(), "--node-id",
      "node-d", "--database-url", db_.conninfo(), "--admin-listen", "0.0.0.0:0", "--admin-tls-cert",
      (certs / "node-d.pem").string(), "--admin-tls-key", (certs / "node-d.key").string(),
      "--heartbeat-interval", "250ms", "--node-timeout", "1500ms"},
    dir_ / "node-d.log", std::vector<std::string>{"BOOCODE_ADMIN_TOKEN=s3cret-token-0123456789"});
  d.proc->wait_ready();
  d.running = true;
  auto port = db_.scalar("SELECT split_part(admin_address, ':', 2) FROM nodes WHERE id = 'node-d'");
  auto at = "127.0.0.1:" + port;
  auto bad = run({test::boocode_binary(), "admin", "--connect", at, "--server-name", "localhost",
                  "--ca", ca, "--token", "wrong-token-000000", "nodes"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.output.find("unauthorized"), std::string::npos) << bad.output;
  auto none = run({test::boocode_binary(), "admin", "--connect", at, "--server-name", "localhost",
                   "--ca", ca, "nodes"});
  EXPECT_EQ(none.code, 1);
  // A client without TLS, or trusting another CA, gets nothing; the port goes on.
  auto plain = run({test::boocode_binary(), "admin", "--connect", at, "nodes"},
                   {"BOOCODE_ADMIN_TOKEN=s3cret-token-0123456789"});
  EXPECT_EQ(plain.code, 1) << plain.output;
  EXPECT_EQ(plain.output.find("node-d"), std::string::npos) << plain.output;
  test::make_test_certs(dir_ / "other", {"node-d"});
  auto untrusted = run({test::boocode_binary(), "admin", "--connect", at, "--server-name",
                        "localhost", "--ca", (dir_ / "other" / "ca.pem").string(), "nodes"},
                       {"BOOCODE_ADMIN_TOKEN=s3cret-token-0123456789"});
  EXPECT_EQ(untrusted.code, 1) << untrusted.output;
  EXPECT_EQ(untrusted.output.find("node-d"), std::string::npos) << untrusted.output;
  auto ok = run({test::boocode_binary(), "admin", "--connect", at, "--server-name", "localhost",
                 "--ca", ca, "nodes"},
                {"BOOCODE_ADMIN_TOKEN=s3cret-token-0123456789"});
  EXPECT_EQ(ok.code, 0) << ok.output;
  EXPECT_NE(ok.output.find("node-d"), std::string::npos);
  EXPECT_EQ(d.proc->output().find("s3cret-token"), std::string::npos) << "the token was logged";
}
