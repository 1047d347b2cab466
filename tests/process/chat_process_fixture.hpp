#pragma once

// The fixture of the chat process tests: a real node on the run's PostgreSQL,
// a fake OpenAI-compatible model over HTTP, a workspace folder, and helpers
// to talk to the node over REST and WebSocket.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/poll.hpp"
#include "tests/support/fake_model_server.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_database.hpp"

namespace boocode::test {

/// GETs a JSON document, expecting `status`.
inline nlohmann::json get_json(const endpoint& to, const std::string& target, int status = 200) {
  auto res = http_call(to, "GET", target);
  EXPECT_EQ(res.status, status) << target << ": " << res.body;
  return res.json();
}

/// Reads frames until one of `type` arrives; all frames read so far.
inline std::vector<nlohmann::json>
read_until(ws_client& ws, const std::string& type,
           std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  std::vector<nlohmann::json> frames;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    auto text = ws.read_text(left);
    if (!text)
      break;
    frames.push_back(nlohmann::json::parse(*text));
    if (frames.back()["type"] == type)
      return frames;
  }
  ADD_FAILURE() << "no " << type << " frame; got " << nlohmann::json(frames).dump();
  return frames;
}

/// A WebSocket to `to` subscribed to chat `id`, its snapshot read.
inline std::unique_ptr<ws_client> subscribe(const endpoint& to, const std::string& id) {
  auto ws = std::make_unique<ws_client>(to);
  EXPECT_TRUE(ws->read_text()); // hello
  ws->send_text(nlohmann::json{{"type", "subscribe"}, {"chat_id", id}}.dump());
  read_until(*ws, "snapshot");
  return ws;
}

/// Posts a user message (expecting 202); its id.
inline int64_t post_message(const endpoint& to, const std::string& id, const std::string& text,
                            const std::string& client_id) {
  auto res = http_call(to, "POST", "/api/chats/" + id + "/messages",
                       nlohmann::json{{"text", text}, {"client_id", client_id}}.dump());
  EXPECT_EQ(res.status, 202) << res.body;
  return res.json().value("message_id", int64_t{0});
}

/// The chat (read through `to`) once nothing is left to do: idle, nothing
/// running in the timeline, no message waiting.
inline nlohmann::json wait_done(const endpoint& to, const std::string& id,
                                std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  nlohmann::json chat;
  bool done = poll_until(timeout, [&] {
    // The timeline first: once its last turn finished, the chat read after
    // it holds everything that turn wrote.
    auto tl = get_json(to, "/api/chats/" + id + "/timeline")["turns"];
    if (tl.empty() || tl.back()["outcome"] == "running")
      return false;
    chat = get_json(to, "/api/chats/" + id);
    if (chat["status"] != "idle")
      return false;
    for (auto& m : chat["messages"])
      if (m["turn"].is_null())
        return false;
    return true;
  });
  EXPECT_TRUE(done) << "the chat did not finish: " << chat.dump();
  return chat;
}

/// The chat's messages of one role.
inline std::vector<nlohmann::json> of_role(const nlohmann::json& chat, const std::string& role) {
  std::vector<nlohmann::json> out;
  for (auto& m : chat["messages"])
    if (m["role"] == role)
      out.push_back(m);
  return out;
}

/// A message's text ("" when it has none, e.g. tool calls only).
inline std::string content_of(const nlohmann::json& m) {
  auto it = m.find("content");
  return it != m.end() && it->is_string() ? it->get<std::string>() : "";
}

/// A model request's first user message: an agent's prompt.
inline std::string first_prompt(const nlohmann::json& body) {
  for (const auto& m : body["messages"])
    if (m["role"] == "user")
      return content_of(m);
  return "";
}

} // namespace boocode::test

class ChatProcessTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::filesystem::create_directories(workspace_);
    std::filesystem::permissions(workspace_, std::filesystem::perms::all);
    start_node();
  }

  /// Starts the node, logging to `log` (a new file per start: the ready line is read from it).
  void start_node(const std::string& log = "node.log") {
    std::vector<std::string> args{"serve",
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--data-dir",
                                  (dir_ / "data").string(),
                                  "--database-url",
                                  db_.conninfo(),
                                  "--model-base-url",
                                  model_.base_url(),
                                  "--model",
                                  "fake-model",
                                  "--model-api-key",
                                  "sk-secret-key"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    node_ = std::make_unique<boocode::test::node_process>(args, dir_ / log);
    node_->wait_ready();
    to_ = node_->address();
  }

  void TearDown() override {
    node_->signal(SIGTERM);
    EXPECT_EQ(node_->wait_exit(std::chrono::seconds(20)), 0) << node_->output();
    if (HasFailure())
      std::cerr << "node output:\n" << node_->output() << "\n";
    EXPECT_EQ(node_->output().find("sk-secret-key"), std::string::npos) << "the API key was logged";
  }

  std::string create_chat() {
    auto res = boocode::test::http_call(to_, "POST", "/api/chats",
                                        nlohmann::json{{"workspace", workspace_.string()}}.dump());
    EXPECT_EQ(res.status, 201) << res.body;
    return res.json()["id"];
  }

  /// Reads frames until one of `type` arrives; all frames read so far.
  static std::vector<nlohmann::json>
  read_until(boocode::test::ws_client& ws, const std::string& type,
             std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    return boocode::test::read_until(ws, type, timeout);
  }

  static std::vector<nlohmann::json> of_type(const std::vector<nlohmann::json>& frames,
                                             const std::string& type) {
    std::vector<nlohmann::json> out;
    for (auto& f : frames)
      if (f["type"] == type)
        out.push_back(f);
    return out;
  }

  /// More options for the node (a subclass sets them before SetUp starts it).
  std::vector<std::string> extra_args_;
  boocode::test::temp_dir dir_;
  boocode::test::test_database db_{false}; // the node migrates it
  std::filesystem::path workspace_ = dir_ / "workspace";
  boocode::test::fake_model_server model_;
  std::unique_ptr<boocode::test::node_process> node_;
  boocode::test::endpoint to_;
};
