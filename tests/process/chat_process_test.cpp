// A chat end to end: the real node, a fake OpenAI-compatible model over HTTP,
// REST and WebSocket clients, and the workspace on disk.
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/poll.hpp"
#include "tests/process/chat_process_fixture.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;
using test::fake_reply;

TEST_F(ChatProcessTest, AModelWritesAFileAndRunsACommand) {
  model_.enqueue(fake_reply::tool_reply("write_file", R"({"path":"notes.txt","content":"hi\n"})"));
  model_.enqueue(fake_reply::tool_reply("run_command", R"({"argv":["cat","notes.txt"]})"));
  model_.enqueue(fake_reply::text_reply("Wrote **notes.txt**.",
                                        {{"prompt_tokens", 300},
                                         {"completion_tokens", 12},
                                         {"prompt_tokens_details", {{"cached_tokens", 256}}}}));
  auto id = create_chat();
  test::ws_client ws{to_};
  ASSERT_TRUE(ws.read_text()); // hello
  ws.send_text(
    json{{"type", "user_message"}, {"chat_id", id}, {"text", "make notes"}, {"client_id", "m1"}}
      .dump());
  auto frames = read_until(ws, "turn_end");
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames[0]["type"], "snapshot");
  // Every chat frame carries chat_id and a seq that grows by one.
  int64_t last = frames[0]["seq"];
  for (size_t i = 1; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i]["chat_id"], id);
    EXPECT_EQ(frames[i]["seq"], last + 1) << frames[i].dump();
    last = frames[i]["seq"];
  }
  auto acks = of_type(frames, "ack");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0]["client_id"], "m1");
  auto results = of_type(frames, "tool_result");
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0]["name"], "write_file");
  EXPECT_EQ(results[1]["name"], "run_command");
  EXPECT_EQ(results[1]["exit_code"], 0);
  EXPECT_EQ(results[1]["output"].get<std::string>().rfind("hi\n", 0), 0u) << results[1].dump();
  auto end = frames.back();
  EXPECT_EQ(end["outcome"], "completed");
  EXPECT_EQ(end["usage"]["cache_hit"], 256);
  std::string text;
  for (auto& d : of_type(frames, "assistant_delta"))
    text += d["text"].get<std::string>();
  EXPECT_EQ(text, "Wrote **notes.txt**.");
  std::ifstream file(workspace_ / "notes.txt");
  std::string content((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "hi\n");
  // The model saw the tools, in their fixed order, and the results.
  auto reqs = model_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].body["tools"][0]["function"]["name"], "read_file");
  EXPECT_EQ(reqs[0].body["tools"], reqs[2].body["tools"]);
  EXPECT_EQ(reqs[2].body["messages"].back()["role"], "tool");
  // History through the API: user, 3 assistant replies, 2 tool results.
  auto chat = test::http_call(to_, "GET", "/api/chats/" + id).json();
  ASSERT_EQ(chat["messages"].size(), 6u);
  EXPECT_EQ(chat["messages"][0]["content"], "make notes");
  EXPECT_EQ(chat["messages"][5]["content"], "Wrote **notes.txt**.");
  EXPECT_EQ(chat["status"], "idle");
}

TEST_F(ChatProcessTest, RestMessageIsAcknowledgedOnceStoredAndDeduplicated) {
  model_.enqueue(fake_reply::text_reply("hello"));
  auto id = create_chat();
  test::ws_client ws{to_};
  ASSERT_TRUE(ws.read_text());
  ws.send_text(json{{"type", "subscribe"}, {"chat_id", id}}.dump());
  read_until(ws, "snapshot");
  auto first = test::http_call(to_, "POST", "/api/chats/" + id + "/messages",
                               json{{"text", "hi"}, {"client_id", "c-1"}}.dump());
  EXPECT_EQ(first.status, 202);
  auto again = test::http_call(to_, "POST", "/api/chats/" + id + "/messages",
                               json{{"text", "hi"}, {"client_id", "c-1"}}.dump());
  EXPECT_EQ(again.status, 202);
  EXPECT_EQ(again.json()["message_id"], first.json()["message_id"]);
  auto frames = read_until(ws, "turn_end");
  EXPECT_EQ(of_type(frames, "ack").size(), 1u);
  auto chat = test::http_call(to_, "GET", "/api/chats/" + id).json();
  EXPECT_EQ(chat["messages"].size(), 2u);
}

TEST_F(ChatProcessTest, AModelThatIsDownShowsAnErrorKeepsTheMessageAndRecovers) {
  for (int i = 0; i < 4; ++i)
    model_.enqueue(fake_reply::error(503, 0));
  auto id = create_chat();
  test::ws_client ws{to_};
  ASSERT_TRUE(ws.read_text());
  ws.send_text(
    json{{"type", "user_message"}, {"chat_id", id}, {"text", "are you there?"}, {"client_id", "x"}}
      .dump());
  auto frames = read_until(ws, "turn_end");
  EXPECT_EQ(frames.back()["outcome"], "error");
  auto errors = of_type(frames, "error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0]["code"], "model_error");
  EXPECT_NE(errors[0]["message"].get<std::string>().find("503"), std::string::npos);
  auto chat = test::http_call(to_, "GET", "/api/chats/" + id).json();
  ASSERT_EQ(chat["messages"].size(), 1u);
  EXPECT_EQ(chat["messages"][0]["content"], "are you there?");
  // The chat is usable afterwards.
  model_.enqueue(fake_reply::text_reply("back again"));
  ws.send_text(
    json{{"type", "user_message"}, {"chat_id", id}, {"text", "now?"}, {"client_id", "y"}}.dump());
  frames = read_until(ws, "turn_end");
  EXPECT_EQ(frames.back()["outcome"], "completed");
}

TEST_F(ChatProcessTest, CancelStopsTheStreamAndEndsTheTurn) {
  auto slow = fake_reply::text_reply(std::string(2000, 'z'));
  slow.interval = 20ms;
  model_.enqueue(slow);
  auto id = create_chat();
  test::ws_client ws{to_};
  ASSERT_TRUE(ws.read_text());
  ws.send_text(
    json{{"type", "user_message"}, {"chat_id", id}, {"text", "talk"}, {"client_id", "a"}}.dump());
  read_until(ws, "assistant_delta");
  ws.send_text(json{{"type", "cancel"}, {"chat_id", id}}.dump());
  auto frames = read_until(ws, "turn_end", 10s);
  EXPECT_EQ(frames.back()["outcome"], "cancelled");
}

TEST_F(ChatProcessTest, BadInputGetsClearErrorsAndChangesNothing) {
  auto id = create_chat();
  auto bad = test::http_call(to_, "POST", "/api/chats", R"({"workspace": "relative/path"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(test::http_call(to_, "POST", "/api/chats", "not json").status, 400);
  EXPECT_EQ(test::http_call(to_, "POST", "/api/chats/nope/messages", R"({"text":"x"})").status,
            404);
  EXPECT_EQ(test::http_call(to_, "POST", "/api/chats/" + id + "/messages", R"({"text":7})").status,
            400);
  test::ws_client ws{to_};
  ASSERT_TRUE(ws.read_text());
  ws.send_text("{broken");
  EXPECT_EQ(json::parse(*ws.read_text())["code"], "bad_frame");
  ws.send_text(json{{"type", "subscribe"}, {"chat_id", "nope"}}.dump());
  EXPECT_EQ(json::parse(*ws.read_text())["code"], "not_found");
  ws.send_text(
    json{{"type", "user_message"}, {"chat_id", id}, {"text", std::string(100001, 'x')}}.dump());
  EXPECT_EQ(json::parse(*ws.read_text())["code"], "too_large");
  ws.send_text(json{{"type", "ping"}}.dump());
  EXPECT_EQ(json::parse(*ws.read_text())["type"], "pong"); // the connection stayed up
  auto chat = test::http_call(to_, "GET", "/api/chats/" + id).json();
  EXPECT_TRUE(chat["messages"].empty());
  EXPECT_EQ(model_.request_count(), 0u);
  auto list = test::http_call(to_, "GET", "/api/chats").json();
  EXPECT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(test::http_call(to_, "DELETE", "/api/chats/" + id).status, 200);
  EXPECT_TRUE(test::http_call(to_, "GET", "/api/chats").json()["items"].empty());
  EXPECT_EQ(
    test::http_call(to_, "POST", "/api/chats/" + id + "/messages", R"({"text":"x"})").status, 409);
}

TEST_F(ChatProcessTest, EveryCallIsTracedLiveThenServedInPages) {
  model_.enqueue(fake_reply::tool_reply("write_file", R"({"path":"a.txt","content":"x"})"));
  model_.enqueue(fake_reply::tool_reply("run_command", R"({"argv":["cat","a.txt"]})"));
  model_.enqueue(
    fake_reply::text_reply("done", {{"prompt_tokens", 300},
                                    {"completion_tokens", 12},
                                    {"prompt_tokens_details", {{"cached_tokens", 256}}},
                                    {"completion_tokens_details", {{"reasoning_tokens", 5}}}}));
  auto id = create_chat();
  test::ws_client ws{to_};
  ASSERT_TRUE(ws.read_text());
  ws.send_text(
    json{{"type", "user_message"}, {"chat_id", id}, {"text", "go"}, {"client_id", "t1"}}.dump());
  auto frames = read_until(ws, "turn_end");

  // Live: a start and a finish per call, in order, finish after its start.
  std::vector<std::string> kinds;
  std::map<std::string, json> finished;
  std::set<std::string> started;
  for (auto& f : frames) {
    std::string type = f["type"];
    if (type.find("_trace_") == std::string::npos)
      continue;
    kinds.push_back(type);
    if (type.ends_with("_start"))
      started.insert(f["id"].get<std::string>());
    else {
      EXPECT_TRUE(started.count(f["id"].get<std::string>())) << f.dump();
      finished[f["id"]] = f;
    }
  }
  // Each tool that changes something waits for its intent's commit first, and
  // the turn for its checkpoint: those waits are "journal" calls of their own.
  EXPECT_EQ(kinds,
            (std::vector<std::string>{
              "model_trace_start", "model_trace_finish", "tool_trace_start", "tool_trace_finish",
              "tool_trace_start", "tool_trace_finish", "model_trace_start", "model_trace_finish",
              "tool_trace_start", "tool_trace_finish", "tool_trace_start", "tool_trace_finish",
              "model_trace_start", "model_trace_finish", "tool_trace_start", "tool_trace_finish"}));

  // Stored: the same calls, with the same figures, once the writer got to them.
  json items;
  EXPECT_TRUE(poll_until(10s,
                         [&] {
                           items = test::get_json(to_, "/api/chats/" + id + "/traces")["items"];
                           return items.size() == 8;
                         }))
    << items.dump();
  ASSERT_EQ(items.size(), 8u);
  for (auto& item : items) {
    ASSERT_TRUE(finished.count(item["id"])) << item.dump();
    auto& live = finished[item["id"]];
    EXPECT_EQ(item["latency_ms"], live["latency_ms"]);
    EXPECT_EQ(item["outcome"], "ok");
    EXPECT_EQ(item["turn"], 1);
    EXPECT_EQ(item["actor_kind"], "session");
    EXPECT_EQ(item["actor_id"], id);
  }
  EXPECT_EQ(items[0]["kind"], "model");
  EXPECT_EQ(items[0]["model"], "fake-model");
  EXPECT_EQ(items[1]["tool"], "journal");
  EXPECT_EQ(items[1]["input"]["before"], "t1.0");
  EXPECT_EQ(items[2]["tool"], "write_file");
  EXPECT_EQ(items[2]["input"]["path"], "a.txt");
  EXPECT_EQ(items[4]["tool"], "journal");
  EXPECT_EQ(items[5]["tool"], "run_command");
  EXPECT_EQ(items[5]["exit_code"], 0);
  EXPECT_EQ(items[5]["output"].get<std::string>().rfind("x", 0), 0u);
  EXPECT_EQ(items[7]["tool"], "journal");
  EXPECT_EQ(items[7]["input"]["before"], "checkpoint");
  auto& last = items[6];
  EXPECT_EQ(last["usage"]["prompt"], 300);
  EXPECT_EQ(last["usage"]["cache_hit"], 256);
  EXPECT_EQ(last["usage"]["reasoning"], 5);
  EXPECT_EQ(last["cache_tokens"], 256);
  EXPECT_EQ(last["tokens_used"], 312);
  EXPECT_EQ(last["finish_reason"], "stop");
  EXPECT_TRUE(last["ttft_ms"].is_number());
  EXPECT_LE(last["ttft_ms"].get<double>(), last["latency_ms"].get<double>());

  // Pages of two: 2 + 2 + 2 + 2, the cursor null at the end, nothing repeated.
  std::vector<std::string> paged;
  std::string cursor;
  int pages = 0;
  do {
    auto page = test::get_json(to_, "/api/chats/" + id + "/traces?limit=2" +
                                      (cursor.empty() ? "" : "&cursor=" + cursor));
    for (auto& item : page["items"])
      paged.push_back(item["id"]);
    cursor = page["next_cursor"].is_null() ? "" : page["next_cursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 4);
  ASSERT_EQ(paged.size(), 8u);
  for (size_t i = 0; i < 8; ++i)
    EXPECT_EQ(paged[i], items[i]["id"]);
  EXPECT_EQ(test::get_json(to_, "/api/chats/" + id + "/traces?tool=run_command")["items"].size(),
            1u);
  EXPECT_EQ(
    test::get_json(to_, "/api/chats/" + id + "/traces?tool=model&outcome=ok")["items"].size(), 3u);
  EXPECT_TRUE(test::get_json(to_, "/api/chats/" + id + "/traces?outcome=error")["items"].empty());

  // Bad parameters: 400 with a reason; an unknown chat: 404.
  for (auto q : {"limit=0", "limit=501", "limit=x", "cursor=abc", "outcome=fine",
                 "tool=", "colour=red", "limit=%zz"}) {
    auto res = test::http_call(to_, "GET", "/api/chats/" + id + "/traces?" + q);
    EXPECT_EQ(res.status, 400) << q;
    EXPECT_EQ(res.json()["error"]["code"], "invalid_argument") << q;
  }
  test::get_json(to_, "/api/chats/c_nope/traces", 404);
  auto health = test::get_json(to_, "/api/health");
  EXPECT_EQ(health["traces"]["written"], 8);
  EXPECT_EQ(health["traces"]["dropped"], 0);
  // The node's load: its one chat loaded, its pool within its size.
  EXPECT_EQ(health["sessions"]["loaded"], 1);
  EXPECT_EQ(health["sessions"]["turns_running"], 0);
  EXPECT_GE(health["database"]["open"].get<int>(), 1);
  EXPECT_LE(health["database"]["peak_in_use"].get<int>(),
            health["database"]["pool_size"].get<int>());
  EXPECT_GT(health["memory"]["rss_bytes"].get<int64_t>(), 0);
}

TEST_F(ChatProcessTest, ACallRunningWhenTheNodeStopsIsTracedAsInterruptedAndResumed) {
  model_.enqueue(fake_reply::tool_reply("run_command", R"({"argv":["sleep","60"]})"));
  model_.enqueue(fake_reply::text_reply("The wait was interrupted."));
  auto id = create_chat();
  test::ws_client ws{to_};
  ASSERT_TRUE(ws.read_text());
  ws.send_text(
    json{{"type", "user_message"}, {"chat_id", id}, {"text", "wait"}, {"client_id", "s"}}.dump());
  auto frames = read_until(ws, "tool_trace_start"); // the wait for the command's intent
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back()["tool"], "journal");
  frames = read_until(ws, "tool_trace_start");
  ASSERT_FALSE(frames.empty());
  ASSERT_EQ(frames.back()["tool"], "run_command");
  auto trace_id = frames.back()["id"].get<std::string>();
  node_->signal(SIGTERM);
  EXPECT_EQ(node_->wait_exit(20s), 0) << node_->output();
  // Nothing was lost on the way down: the model call and the interrupted command.
  EXPECT_EQ(db_.scalar("SELECT outcome FROM tool_traces WHERE id = '" + trace_id + "'"),
            "interrupted");
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM tool_traces WHERE kind = 'model'"), "1");
  // The turn was left in its journal, not ended: the next start resumes it,
  // reports the command as interrupted (not run again) and lets the model answer.
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM messages"), "0");
  start_node("node-2.log");
  json turns;
  ASSERT_TRUE(poll_until(30s,
                         [&] {
                           turns = test::get_json(to_, "/api/chats/" + id + "/timeline")["turns"];
                           return turns.size() == 1 && turns[0]["outcome"] == "completed";
                         }))
    << turns.dump();
  auto chat = test::get_json(to_, "/api/chats/" + id);
  ASSERT_EQ(chat["messages"].size(), 4u) << chat.dump();
  EXPECT_EQ(chat["messages"][2]["outcome"], "interrupted");
  EXPECT_EQ(chat["messages"][3]["content"], "The wait was interrupted.");
  json items;
  EXPECT_TRUE(poll_until(10s,
                         [&] {
                           items = test::get_json(to_, "/api/chats/" + id +
                                                         "/traces?outcome=interrupted")["items"];
                           return items.size() == 2;
                         }))
    << items.dump();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["tool"], "run_command");
  EXPECT_EQ(items[0]["error"], "the node stopped while the call ran");
  EXPECT_EQ(items[1]["tool"], "run_command");
}
