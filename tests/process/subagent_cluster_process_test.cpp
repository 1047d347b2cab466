// A background subagent on a three-node cluster: the operator sees it with
// `boocode admin actors --kind subagent`, and when the node running it is
// killed mid-step a survivor takes it over and resumes it from its journal
// (its finished step not done again), and its chat is notified once.
#include <atomic>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/poll.hpp"
#include "tests/process/cluster_fixture.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;
using test::ClusterTest;
using test::fake_reply;

namespace {

bool from_subagent(const json& body) {
  auto sys = body["messages"][0].value("content", "");
  return sys.find("background subagent") != std::string::npos;
}

const json& last_message(const json& body) {
  return body["messages"].back();
}

} // namespace

TEST_F(ClusterTest, ASubagentOfAKilledNodeResumesOnASurvivor) {
  std::atomic<bool> stall{true};
  model_.set_responder([&stall](const json& body) -> std::optional<fake_reply> {
    const auto& last = last_message(body);
    if (from_subagent(body)) {
      if (last["role"] == "user") {
        fake_reply r;
        r.tool_calls.emplace_back("write_file",
                                  json{{"path", "survivor.txt"}, {"content", "once"}}.dump());
        return r;
      }
      if (stall) { // node-b dies during this call
        auto r = fake_reply::text_reply("never");
        r.fault_kind = fake_reply::fault::stall;
        return r;
      }
      return fake_reply::text_reply("survived");
    }
    if (last["role"] == "user" && last.value("content", "") == "Delegate") {
      fake_reply r;
      r.tool_calls.emplace_back(
        "spawn_subagent",
        json{{"description", "writer"}, {"prompt", "Write survivor.txt."}}.dump());
      return r;
    }
    return fake_reply::text_reply("ok");
  });
  auto chat = chat_on("node-b");
  test::post_message(to("node-a"), chat, "Delegate", "m-1");
  auto calls = [&](const std::string& last_role) {
    int n = 0;
    for (auto& r : model_.requests())
      if (from_subagent(r.body) && last_message(r.body)["role"] == last_role)
        ++n;
    return n;
  };
  ASSERT_TRUE(poll_until(30s, [&] { return calls("tool") == 1; })) << "no second subagent call";
  std::string task = db_.scalar("SELECT id FROM tasks");
  EXPECT_EQ(owner(task), "node-b") << "it runs where its chat spawned it";
  auto listed = admin_json("node-a", {"actors", "--kind", "subagent"});
  ASSERT_EQ(listed.size(), 1u) << listed.dump();
  EXPECT_EQ(listed[0]["id"], task);
  EXPECT_EQ(listed[0]["kind"], "subagent");

  kill_node("node-b");
  stall = false;
  json tasks;
  ASSERT_TRUE(poll_until(30s,
                         [&] {
                           tasks = test::get_json(to("node-a"), "/api/chats/" + chat + "/tasks");
                           return tasks["items"].size() == 1 &&
                                  tasks["items"][0]["state"] == "completed";
                         }))
    << tasks.dump();
  EXPECT_EQ(tasks["items"][0]["result"], "survived");
  EXPECT_NE(owner(task), "node-b") << "a survivor took it over";
  EXPECT_EQ(calls("user"), 1) << "its finished step was not done again";
  std::ifstream in(workspace_ / "survivor.txt");
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), {}), "once");
  ASSERT_TRUE(poll_until(30s, [&] {
    auto view = test::get_json(to("node-c"), "/api/chats/" + chat);
    int notes = 0;
    for (auto& m : view["messages"])
      if (m["role"] == "user" && m.value("content", "").starts_with("[Background task " + task))
        ++notes;
    return notes == 1 && view["status"] == "idle";
  }));
}
