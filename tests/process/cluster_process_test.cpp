// A cluster of three real nodes on one PostgreSQL, talking over CAF on
// loopback: a chat owned by one node used through another, nodes killed
// (SIGKILL) idle and mid-turn, a hung node (SIGSTOP) declared dead and then
// woken (SIGCONT), and a node drained by SIGTERM while a browser watches.
#include <csignal>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/poll.hpp"
#include "tests/process/cluster_fixture.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;
using test::ClusterTest;
using test::fake_reply;
using test::slow_reply;

// A browser on node A opens, messages and watches a chat node B owns: the
// frames come from B's session through CAF.
TEST_F(ClusterTest, AChatOwnedByAnotherNodeIsUsedThroughAny) {
  model_.enqueue(fake_reply::text_reply("Answered by B."));
  auto id = chat_on("node-b");
  EXPECT_EQ(streamed_answer("node-a", id, "hello", "m-1"), "Answered by B.");
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
  auto ws = streaming(id);
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
  auto ws = streaming(id);
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
