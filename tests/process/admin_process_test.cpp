// The admin port of a cluster, through the real `boocode admin` command:
// listing, inspecting mid-turn, migrating, draining, stopping and
// restarting chats, clear errors, and a token over TLS beyond loopback.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/poll.hpp"
#include "tests/process/cluster_fixture.hpp"
#include "tests/support/tls_client.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;
using test::ClusterTest;
using test::fake_reply;
using test::slow_reply;

using AdminTest = ClusterTest;

TEST_F(AdminTest, ListsTheClusterAndInspectsAChatMidTurn) {
  // An answer that streams far longer than the test takes (cancelled at its end).
  auto endless = fake_reply::text_reply(std::string(4000, 'a'));
  endless.interval = 50ms;
  model_.enqueue(endless);
  auto id = chat_on("node-b");
  auto ws = streaming(id);

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
  auto expect_error = [&](const test::command_result& r, const std::string& what) {
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
