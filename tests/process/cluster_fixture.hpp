#pragma once

// The fixture of the cluster process tests: three real nodes (node-a, -b,
// -c) on one PostgreSQL, talking over CAF on loopback, a fake model, and
// helpers to find a chat's owner and to run commands.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/child_process.hpp"
#include "runtime/poll.hpp"
#include "tests/process/chat_process_fixture.hpp"

namespace boocode::test {

using namespace std::chrono_literals;
using nlohmann::json;

/// An answer that streams for about 5 s: long enough to act while it does.
inline fake_reply slow_reply() {
  auto r = fake_reply::text_reply(std::string(400, 'a'));
  r.interval = std::chrono::milliseconds(50);
  return r;
}

/// What a command printed and how it ended.
struct command_result {
  int code = -1;
  std::string output;
};

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
      node_args(id), dir_ / (id + "-" + std::to_string(++n.starts) + ".log"));
    n.proc->wait_ready();
    n.to = n.proc->address();
    n.running = true;
  }

  /// The flags node `id` starts with (a derived fixture adds its own).
  virtual std::vector<std::string> node_args(const std::string& id) {
    return {"serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            (dir_ / id).string(),
            "--node-id",
            id,
            "--database-url",
            db_.conninfo(),
            "--heartbeat-interval",
            "250ms",
            "--node-timeout",
            "1500ms",
            "--model-base-url",
            model_.base_url(),
            "--model",
            "fake-model",
            "--passivate-after",
            passivate_after_};
  }

  /// Runs a command to its end (2 minutes at most): its exit code and output.
  test::command_result run(const std::vector<std::string>& argv,
                           std::vector<std::string> env = {}) {
    auto log = dir_ / ("command-" + std::to_string(++runs_) + ".out");
    child_options o;
    o.argv = argv;
    o.log_file = log;
    env.push_back("PATH=/usr/bin:/bin");
    env.push_back("USER=tester");
    o.env = env;
    test::command_result r;
    r.code = run_to_completion(o, std::chrono::minutes(2));
    std::ifstream in(log);
    r.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return r;
  }

  /// Runs `boocode admin --connect <node's admin port> args...`.
  test::command_result admin(const std::string& node, std::vector<std::string> args,
                             std::vector<std::string> env = {}) {
    auto address = db_.scalar("SELECT admin_address FROM nodes WHERE id = '" + node + "'");
    std::vector<std::string> argv{test::boocode_binary(), "admin", "--connect", address};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, env);
  }
  json admin_json(const std::string& node, std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    auto r = admin(node, args);
    EXPECT_EQ(r.code, 0) << r.output;
    return json::parse(r.output, nullptr, false);
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

  /// Posts "hello" to chat `id` through node-a while a browser there watches;
  /// the browser, once the answer has started to stream.
  std::unique_ptr<test::ws_client> streaming(const std::string& id) {
    auto ws = test::subscribe(to("node-a"), id);
    test::post_message(to("node-a"), id, "hello", "m-1");
    next(*ws, "assistant_delta");
    return ws;
  }

  /// Posts `text` to chat `id` through node `via` while a browser on `via`
  /// watches; the answer the browser saw stream until the turn ended.
  std::string streamed_answer(const std::string& via, const std::string& id,
                              const std::string& text, const std::string& message_id) {
    auto ws = test::subscribe(to(via), id);
    test::post_message(to(via), id, text, message_id);
    std::string answer;
    for (auto& f : test::read_until(*ws, "turn_end"))
      if (f["type"] == "assistant_delta")
        answer += f.value("text", "");
    return answer;
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
  int runs_ = 0;
};

} // namespace boocode::test
