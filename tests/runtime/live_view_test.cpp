// The session's live view: what a snapshot shows after the events it relayed.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/chat/live_view.hpp"
#include "runtime/protocol/frames.hpp"

using namespace boocode;
using namespace boocode::chat;
using nlohmann::json;
using protocol::message_role;

namespace {

/// The full snapshot frame the view makes.
json snapshot(const live_view& v) {
  return json::parse(protocol::snapshot_frame({"c_1", 7, 1, protocol::session_status::idle}, v));
}

message_record msg(int64_t id, message_role role, const std::string& content,
                   std::optional<int> turn = std::nullopt) {
  message_record m;
  m.id = id;
  m.role = role;
  m.content = content;
  m.turn = turn;
  return m;
}

model::token_usage prompt_tokens(uint64_t n) {
  model::token_usage u;
  u.prompt = n;
  return u;
}

} // namespace

TEST(LiveViewTest, ATurnInProgressShowsWhatStreamedAndWhatRuns) {
  live_view v;
  v.reset({msg(1, message_role::user, "hi", 1), msg(2, message_role::assistant, "hello", 1)},
          std::nullopt, prompt_tokens(100));
  v.apply(message_stored{msg(3, message_role::user, "write a file")});
  v.apply(message_acked{"x", 3});
  EXPECT_TRUE(snapshot(v)["messages"][2]["turn"].is_null()); // waiting
  v.apply(turn_started{2, {3}, false});
  v.apply(reasoning_delta{2, "think"});
  v.apply(answer_delta{2, "Writ"});
  v.apply(answer_delta{2, "ing"});
  auto s = snapshot(v);
  EXPECT_EQ(s["type"], "snapshot");
  EXPECT_EQ(s["seq"], 7);
  ASSERT_EQ(s["messages"].size(), 3u);
  EXPECT_EQ(s["messages"][2]["turn"], 2); // taken by turn 2
  EXPECT_EQ(s["turn"]["number"], 2);
  EXPECT_EQ(s["turn"]["text"], "Writing");
  EXPECT_EQ(s["turn"]["reasoning"], "think");
  EXPECT_EQ(s["turn"]["resumed"], false);
  EXPECT_EQ(s["usage"]["prompt"], 100);

  // The reply arrives: its streamed text is now a message; its call runs.
  v.apply(message_stored{msg(4, message_role::assistant, "Writing", 2)});
  v.apply(tool_started{2, "c1", "write_file", "{}"});
  s = snapshot(v);
  EXPECT_EQ(s["messages"].size(), 4u);
  EXPECT_EQ(s["turn"]["text"], "");
  ASSERT_EQ(s["turn"]["running_tools"].size(), 1u);
  EXPECT_EQ(s["turn"]["running_tools"][0]["call_id"], "c1");
  EXPECT_EQ(s["turn"]["running_tools"][0]["arguments"], "{}");
  v.apply(tool_finished{2, "c1", "write_file", protocol::tool_outcome::ok, "", std::nullopt, 3});
  EXPECT_TRUE(snapshot(v)["turn"]["running_tools"].empty());

  v.apply(turn_ended{2, protocol::turn_outcome::completed, prompt_tokens(50), ""});
  s = snapshot(v);
  EXPECT_TRUE(s["turn"].is_null());
  EXPECT_EQ(s["usage"]["prompt"], 150);
  EXPECT_FALSE(v.turn());
}

TEST(LiveViewTest, ATurnLoadedInProgressIsResumedAndEventsThatShowNothingChangeNothing) {
  live_view v;
  v.reset({msg(1, message_role::user, "hi", 3)}, 3, {});
  auto s = snapshot(v);
  EXPECT_EQ(s["turn"]["number"], 3);
  EXPECT_EQ(s["turn"]["resumed"], true);
  v.apply(message_acked{"x", 1});
  v.apply(error_raised{protocol::turn_error::model_error, "overloaded"});
  EXPECT_EQ(snapshot(v), s);
  // A message seen again (same id) replaces the one shown.
  v.apply(message_stored{msg(1, message_role::user, "hi (edited)", 3)});
  EXPECT_EQ(snapshot(v)["messages"].size(), 1u);
  EXPECT_EQ(snapshot(v)["messages"][0]["content"], "hi (edited)");
}
