// The session's live view: what a snapshot shows after the frames it relayed.
#include <gtest/gtest.h>

#include "runtime/chat/live_view.hpp"

using namespace boocode;
using nlohmann::json;

namespace {

json snapshot(const chat::live_view& v) {
  return json::parse("{" + v.members() + "}");
}

json msg(int64_t id, const std::string& role, const std::string& content, json turn = nullptr) {
  return {{"id", id}, {"role", role}, {"content", content}, {"turn", turn}};
}

} // namespace

TEST(LiveViewTest, ATurnInProgressShowsWhatStreamedAndWhatRuns) {
  chat::live_view v;
  model::token_usage before;
  before.prompt = 100;
  v.reset(json::array({msg(1, "user", "hi", 1), msg(2, "assistant", "hello", 1)}), std::nullopt,
          before);
  v.apply("message", json{{"message", msg(3, "user", "write a file")}}.dump());
  v.apply("ack", R"({"client_id":"x","message_id":3})");
  v.apply("turn_start", R"({"turn":2,"user_message_ids":[3]})");
  v.apply("reasoning_delta", R"({"turn":2,"text":"think"})");
  v.apply("assistant_delta", R"({"turn":2,"text":"Writ"})");
  v.apply("assistant_delta", R"({"turn":2,"text":"ing"})");
  auto s = snapshot(v);
  ASSERT_EQ(s["messages"].size(), 3u);
  EXPECT_EQ(s["messages"][2]["turn"], 2); // taken by turn 2
  EXPECT_EQ(s["turn"]["number"], 2);
  EXPECT_EQ(s["turn"]["text"], "Writing");
  EXPECT_EQ(s["turn"]["reasoning"], "think");
  EXPECT_EQ(s["turn"]["resumed"], false);
  EXPECT_EQ(s["usage"]["prompt"], 100);

  // The reply arrives: its streamed text is now a message; its call runs.
  v.apply("message", json{{"message", msg(4, "assistant", "Writing", 2)}}.dump());
  v.apply("tool_call", R"({"turn":2,"call_id":"c1","name":"write_file","arguments":"{}"})");
  s = snapshot(v);
  EXPECT_EQ(s["messages"].size(), 4u);
  EXPECT_EQ(s["turn"]["text"], "");
  ASSERT_EQ(s["turn"]["running_tools"].size(), 1u);
  EXPECT_EQ(s["turn"]["running_tools"][0]["call_id"], "c1");
  v.apply("tool_result", R"({"turn":2,"call_id":"c1","outcome":"ok"})");
  EXPECT_TRUE(snapshot(v)["turn"]["running_tools"].empty());

  v.apply("turn_end", R"({"turn":2,"outcome":"completed","usage":{"prompt":50}})");
  s = snapshot(v);
  EXPECT_TRUE(s["turn"].is_null());
  EXPECT_EQ(s["usage"]["prompt"], 150);
  EXPECT_FALSE(v.turn());
}

TEST(LiveViewTest, ATurnLoadedInProgressIsResumedAndBadFramesChangeNothing) {
  chat::live_view v;
  v.reset(json::array({msg(1, "user", "hi", 3)}), 3, {});
  auto s = snapshot(v);
  EXPECT_EQ(s["turn"]["number"], 3);
  EXPECT_EQ(s["turn"]["resumed"], true);
  v.apply("message", "not json");
  v.apply("message", R"({"message":"not an object"})");
  v.apply("assistant_delta", "[1,2]");
  EXPECT_EQ(snapshot(v), s);
  // A message seen again (same id) replaces the one shown.
  v.apply("message", json{{"message", msg(1, "user", "hi (edited)", 3)}}.dump());
  EXPECT_EQ(snapshot(v)["messages"].size(), 1u);
  EXPECT_EQ(snapshot(v)["messages"][0]["content"], "hi (edited)");
}
