// Permission modes and approvals on a real node: a command in ask mode waits
// for a user's decision, given over the WebSocket or REST; bad answers
// change nothing; the waiting request survives a kill -9; PATCH changes a
// chat's mode and rules.
#include <csignal>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/poll.hpp"
#include "tests/process/chat_process_fixture.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;
using test::fake_reply;

namespace {

/// The file the approved command appends to, one line per run.
constexpr const char* appends = R"({"argv":["sh","-c","echo ran >> ran.txt"]})";

int lines_in(const std::filesystem::path& p) {
  std::ifstream in(p);
  int n = 0;
  for (std::string line; std::getline(in, line);)
    ++n;
  return n;
}

} // namespace

class ApprovalTest : public ChatProcessTest {
protected:
  std::string ask_chat(const std::string& mode = "ask") {
    auto res =
      test::http_call(to_, "POST", "/api/chats",
                      json{{"workspace", workspace_.string()}, {"permission_mode", mode}}.dump());
    EXPECT_EQ(res.status, 201) << res.body;
    EXPECT_EQ(res.json()["permission_mode"], mode);
    return res.json()["id"];
  }

  test::http_result answer(const std::string& id, const std::string& approval, json body) {
    return test::http_call(to_, "POST", "/api/chats/" + id + "/approvals/" + approval, body.dump());
  }

  std::filesystem::path ran_ = workspace_ / "ran.txt";
};

TEST_F(ApprovalTest, ACommandWaitsForAnAnswerOverTheWebSocket) {
  model_.enqueue(fake_reply::tool_reply("run_command", appends));
  model_.enqueue(fake_reply::text_reply("It ran."));
  auto id = ask_chat();
  auto ws = test::subscribe(to_, id);
  auto other = test::subscribe(to_, id); // a second browser
  test::post_message(to_, id, "run it", "m-1");
  auto asked = read_until(*ws, "approval_request").back();
  EXPECT_EQ(asked["tool"], "run_command");
  EXPECT_EQ(asked["arguments"], appends);
  std::string approval = asked["id"];
  EXPECT_EQ(read_until(*other, "approval_request").back()["id"], approval);

  auto chat = test::get_json(to_, "/api/chats/" + id);
  EXPECT_EQ(chat["pending_approvals"], 1);
  auto list = test::get_json(to_, "/api/chats")["items"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["pending_approvals"], 1);
  auto pending = test::get_json(to_, "/api/chats/" + id + "/approvals")["items"];
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0]["id"], approval);
  EXPECT_FALSE(std::filesystem::exists(ran_)) << "the command ran before anyone allowed it";
  // A browser that subscribes now sees the request in its snapshot.
  auto late = std::make_unique<test::ws_client>(to_);
  late->read_text();
  late->send_text(json{{"type", "subscribe"}, {"chat_id", id}}.dump());
  auto snap = read_until(*late, "snapshot").back();
  ASSERT_TRUE(snap["turn"].is_object()) << snap.dump();
  ASSERT_EQ(snap["turn"]["approvals"].size(), 1u) << snap.dump();
  EXPECT_EQ(snap["turn"]["approvals"][0]["id"], approval);

  // Bad answers: an error, nothing changes.
  other->send_text(
    json{{"type", "approval_answer"}, {"chat_id", id}, {"id", approval}, {"decision", "maybe"}}
      .dump());
  auto refused = read_until(*other, "error").back();
  EXPECT_EQ(refused["code"], "bad_frame");
  other->send_text(
    json{{"type", "approval_answer"}, {"chat_id", id}, {"id", "ap_9_t9.9"}, {"decision", "allow"}}
      .dump());
  EXPECT_EQ(read_until(*other, "error").back()["code"], "not_found");
  EXPECT_EQ(answer(id, approval, {{"decision", "sure"}}).status, 400);
  EXPECT_EQ(answer(id, "ap_9_t9.9", {{"decision", "allow"}}).status, 404);
  EXPECT_EQ(test::get_json(to_, "/api/chats/" + id)["pending_approvals"], 1);

  other->send_text(
    json{{"type", "approval_answer"}, {"chat_id", id}, {"id", approval}, {"decision", "allow"}}
      .dump());
  auto resolved = read_until(*ws, "approval_resolved").back();
  EXPECT_EQ(resolved["id"], approval);
  EXPECT_EQ(resolved["decision"], "allow");
  EXPECT_EQ(resolved["user"], "local");
  auto frames = read_until(*ws, "turn_end");
  EXPECT_EQ(frames.back()["outcome"], "completed");
  auto again = answer(id, approval, {{"decision", "deny"}});
  EXPECT_EQ(again.status, 404) << "answered twice: " << again.body;
  auto done = test::wait_done(to_, id);
  auto results = test::of_role(done, "tool");
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0]["outcome"], "ok");
  EXPECT_EQ(lines_in(ran_), 1);
  EXPECT_EQ(done["pending_approvals"], 0);
}

TEST_F(ApprovalTest, ADenialOverRestIsToldToTheModelWithTheNote) {
  model_.enqueue(fake_reply::tool_reply("write_file", R"({"path":"x.txt","content":"x"})"));
  model_.enqueue(fake_reply::text_reply("Understood."));
  auto id = ask_chat("ask");
  auto ws = test::subscribe(to_, id);
  test::post_message(to_, id, "write it", "m-1");
  std::string approval = read_until(*ws, "approval_request").back()["id"];
  auto res = answer(id, approval, {{"decision", "deny"}, {"note", "not in this repo"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.json()["decision"], "deny");
  auto done = test::wait_done(to_, id);
  auto results = test::of_role(done, "tool");
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0]["outcome"], "denied");
  EXPECT_NE(results[0]["content"].get<std::string>().find("not in this repo"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(workspace_ / "x.txt"));
  // The model's next call was told.
  auto last = model_.requests().back().body["messages"].back();
  EXPECT_EQ(last["role"], "tool");
  EXPECT_NE(last["content"].get<std::string>().find("not in this repo"), std::string::npos);
}

TEST_F(ApprovalTest, AWaitingRequestSurvivesAKillAndItsCommandRunsOnce) {
  model_.enqueue(fake_reply::tool_reply("run_command", appends));
  model_.enqueue(fake_reply::text_reply("It ran once."));
  auto id = ask_chat();
  {
    auto ws = test::subscribe(to_, id);
    test::post_message(to_, id, "run it", "m-1");
    read_until(*ws, "approval_request");
  }
  std::string approval = test::get_json(to_, "/api/chats/" + id + "/approvals")["items"][0]["id"];
  node_->signal(SIGKILL);
  ASSERT_EQ(node_->wait_exit(20s), 128 + SIGKILL);
  start_node("node-2.log");
  auto ws = test::subscribe(to_, id);
  // The resumed turn asks again, the same request; nothing ran meanwhile.
  ASSERT_TRUE(poll_until(20s, [&] {
    auto items = test::get_json(to_, "/api/chats/" + id + "/approvals")["items"];
    return items.size() == 1 && items[0]["id"] == approval;
  }));
  EXPECT_FALSE(std::filesystem::exists(ran_));
  ASSERT_EQ(answer(id, approval, {{"decision", "allow_always"}}).status, 200);
  auto done = test::wait_done(to_, id);
  EXPECT_EQ(lines_in(ran_), 1);
  EXPECT_EQ(done["allow_rules"],
            json::parse(R"([{"argv_prefix":["sh","-c","echo ran >> ran.txt"]}])"));
  EXPECT_EQ(model_.requests().size(), 2u) << "the model was asked again for a stored reply";
}

TEST_F(ApprovalTest, CommandsGetTheChatsVariablesAndNoneOfTheNodes) {
  model_.enqueue(fake_reply::tool_reply(
    "run_command", R"({"argv":["sh","-c","echo \"$GREETING $MODEL_API_KEY\" > g.txt"]})"));
  model_.enqueue(fake_reply::text_reply("Written."));
  auto res = test::http_call(to_, "POST", "/api/chats",
                             json{{"workspace", workspace_.string()},
                                  {"permission_mode", "allow"},
                                  {"env", {{"GREETING", "hello"}}}}
                               .dump());
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_EQ(res.json()["env"]["GREETING"], "hello");
  std::string id = res.json()["id"];
  test::post_message(to_, id, "greet", "m-1");
  test::wait_done(to_, id);
  std::ifstream in(workspace_ / "g.txt");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "hello ") << "the chat's variable is missing, or the node's leaked";
  for (auto bad : {R"({"env":{"PATH":"/tmp"}})", R"({"env":{"1X":"a"}})", R"({"env":"A=1"})",
                   R"({"env":{"A":1}})"}) {
    auto r = test::http_call(to_, "PATCH", "/api/chats/" + id, bad);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
  }
  auto patched = test::http_call(to_, "PATCH", "/api/chats/" + id, R"({"env":{"B":"2"}})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json()["env"], json::parse(R"({"B":"2"})"));
}

TEST_F(ApprovalTest, PatchChangesTheModeAndRulesAndRefusesBadBodies) {
  auto id = ask_chat("allow");
  auto patch = [&](json body) {
    return test::http_call(to_, "PATCH", "/api/chats/" + id, body.dump());
  };
  auto res = patch({{"permission_mode", "auto-edit"},
                    {"network", true},
                    {"allow_rules", json::parse(R"([{"argv_prefix":["npm","test"]}])")}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.json()["permission_mode"], "auto-edit");
  EXPECT_EQ(res.json()["network"], true);
  EXPECT_EQ(res.json()["allow_rules"][0]["argv_prefix"][1], "test");
  for (auto bad :
       {R"({"permission_mode":"yolo"})", R"({"network":"yes"})", R"({})",
        R"({"allow_rules":[{"argv_prefix":[]}]})", R"({"owner":"eve"})", R"({"title":""})"}) {
    auto r = test::http_call(to_, "PATCH", "/api/chats/" + id, bad);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    EXPECT_EQ(r.json()["error"]["code"], "invalid_argument") << bad;
  }
  EXPECT_EQ(test::get_json(to_, "/api/chats/" + id)["permission_mode"], "auto-edit");
  EXPECT_EQ(
    test::http_call(to_, "PATCH", "/api/chats/c_0000000000000000", R"({"network":false})").status,
    404);
  // The open node's default is allow; a chat that names none gets it.
  EXPECT_EQ(test::get_json(to_, "/api/chats/" + create_chat())["permission_mode"], "allow");
}
