#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/model/anthropic_request.hpp"
#include "runtime/model/anthropic_stream.hpp"

namespace boocode::model {
namespace {

using json = nlohmann::json;

const std::string tools =
  R"([{"function":{"description":"reads a file","name":"read_file","parameters":{"properties":)"
  R"({"path":{"type":"string"}},"type":"object"}},"type":"function"},)"
  R"({"function":{"description":"runs","name":"run_command","parameters":{"type":"object"}},"type":"function"}])";

chat_message msg(std::string role, std::string content) {
  chat_message m;
  m.role = std::move(role);
  m.content = std::move(content);
  return m;
}

image_ref image(std::string id, std::string sha) {
  return {std::move(id), std::move(sha), "image/png", 1000, 8, 8, "shot.png"};
}

/// A chat with two calls of one reply, their results (one with an image),
/// and the user's next message.
conversation tool_chat() {
  conversation c;
  c.append(msg("user", "look at the files"));
  auto a = msg("assistant", "Reading both.");
  a.tool_calls = {{"toolu_1", "read_file", R"({"path":"a"})"}, {"toolu_2", "view_image", "bad{"}};
  c.append(a);
  auto r1 = msg("tool", "text of a");
  r1.tool_call_id = "toolu_1";
  c.append(r1);
  auto r2 = msg("tool", "");
  r2.tool_call_id = "toolu_2";
  r2.images = {image("a_2", "s2")};
  c.append(r2);
  c.append(msg("user", "and now?"));
  return c;
}

TEST(AnthropicRequestTest, TurnsToolUseAndResultsAndBreakpoints) {
  auto conv = tool_chat();
  image_payload images;
  images.data_urls["s2"] = std::make_shared<const std::string>("data:image/png;base64,QUJD");
  model_request req{"be brief", conv, tools, {}, &images};
  auto body = anthropic_request("claude-sonnet-4-5", req, {});
  auto j = json::parse(body.joined());
  EXPECT_EQ(j["model"], "claude-sonnet-4-5");
  EXPECT_EQ(j["max_tokens"], 8192);
  EXPECT_EQ(j["stream"], true);
  ASSERT_EQ(j["tools"].size(), 2u);
  EXPECT_EQ(j["tools"][0]["name"], "read_file");
  EXPECT_EQ(j["tools"][0]["input_schema"]["properties"]["path"]["type"], "string");
  EXPECT_EQ(j["tools"][0]["description"], "reads a file");
  EXPECT_FALSE(j["tools"][0].contains("cache_control"));
  EXPECT_EQ(j["tools"][1]["cache_control"]["type"], "ephemeral");
  EXPECT_EQ(j["system"][0]["text"], "be brief");
  EXPECT_EQ(j["system"][0]["cache_control"]["type"], "ephemeral");

  auto& m = j["messages"];
  ASSERT_EQ(m.size(), 3u) << m.dump(2);
  EXPECT_EQ(m[0]["role"], "user");
  EXPECT_EQ(m[1]["role"], "assistant");
  EXPECT_EQ(m[1]["content"][0]["text"], "Reading both.");
  EXPECT_EQ(m[1]["content"][1]["type"], "tool_use");
  EXPECT_EQ(m[1]["content"][1]["input"]["path"], "a");
  EXPECT_EQ(m[1]["content"][2]["input"], json::object()) << "invalid arguments: an empty object";
  // The results first, in one user turn, then the tool's image, then the user's text.
  auto& u = m[2]["content"];
  ASSERT_EQ(u.size(), 5u) << u.dump(2);
  EXPECT_EQ(u[0]["type"], "tool_result");
  EXPECT_EQ(u[0]["tool_use_id"], "toolu_1");
  EXPECT_EQ(u[0]["content"], "text of a");
  EXPECT_EQ(u[1]["tool_use_id"], "toolu_2");
  EXPECT_EQ(u[1]["content"], "(no output)") << "text blocks may not be empty";
  EXPECT_EQ(u[3]["type"], "image");
  EXPECT_EQ(u[3]["source"]["data"], "QUJD");
  EXPECT_EQ(u[3]["source"]["media_type"], "image/png");
  EXPECT_EQ(u[4]["text"], "and now?");
  // Breakpoints: the last tool, the system prompt, this turn, the user turn before.
  EXPECT_EQ(u[4]["cache_control"]["type"], "ephemeral");
  EXPECT_EQ(m[0]["content"].back()["cache_control"]["type"], "ephemeral");
  EXPECT_FALSE(m[1]["content"].back().contains("cache_control"));
  EXPECT_EQ(body.joined().find("QUJD"), body.joined().rfind("QUJD"));
  ASSERT_EQ(body.images.size(), 1u);
  EXPECT_EQ(body.images[0].sha256, "s2");
  EXPECT_EQ(anthropic_request("claude-sonnet-4-5", req, {}).joined(), body.joined())
    << "the same conversation gives the same bytes";
}

TEST(AnthropicRequestTest, ImagesNotSentAreNotesAndAnHourLongTtlIsSaid) {
  conversation conv;
  auto u = msg("user", "");
  u.images = {image("a_1", "s1")};
  conv.append(u);
  model_request req{"", conv, "", {}, nullptr};
  auto j = json::parse(anthropic_request("m", req, {std::chrono::hours(1), 1024}).joined());
  EXPECT_FALSE(j.contains("tools"));
  EXPECT_FALSE(j.contains("system"));
  EXPECT_EQ(j["max_tokens"], 1024);
  auto& block = j["messages"][0]["content"][0];
  EXPECT_EQ(block["type"], "text");
  EXPECT_NE(block["text"].get<std::string>().find("does not accept images"), std::string::npos);
  EXPECT_EQ(block["cache_control"]["ttl"], "1h");
}

TEST(AnthropicStreamTest, AssemblesTextThinkingToolCallsAndUsage) {
  std::string texts, reasoning, calls;
  stream_callbacks cb;
  cb.on_text = [&](std::string_view t) { texts += t; };
  cb.on_reasoning = [&](std::string_view t) { reasoning += t; };
  cb.on_tool_call = [&](std::string_view n) { calls += std::string(n) + ";"; };
  anthropic_stream s{cb};
  std::vector<std::string> events{
    R"({"type":"message_start","message":{"usage":{"input_tokens":4,"cache_creation_input_tokens":306,"cache_read_input_tokens":1474,"output_tokens":1}}})",
    R"({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}})",
    R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me check"}})",
    R"({"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}})",
    R"({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Checking."}})",
    R"({"type": "ping"})",
    R"({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_9","name":"read_file","input":{}}})",
    R"({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"pa"}})",
    R"({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"th\":\"a\"}"}})",
    R"({"type":"content_block_stop","index":2})",
    R"({"type":"some_future_event"})",
    R"({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":65,"cache_read_input_tokens":null}})",
  };
  for (const auto& e : events)
    ASSERT_FALSE(s.on_data(e)) << e;
  EXPECT_FALSE(s.done());
  ASSERT_FALSE(s.on_data(R"({"type":"message_stop"})"));
  EXPECT_TRUE(s.done());
  auto r = s.reply();
  EXPECT_EQ(r.message.content, "Checking.");
  EXPECT_EQ(r.message.reasoning, "Let me check");
  ASSERT_EQ(r.message.tool_calls.size(), 1u);
  EXPECT_EQ(r.message.tool_calls[0].id, "toolu_9");
  EXPECT_EQ(r.message.tool_calls[0].arguments, R"({"path":"a"})");
  EXPECT_EQ(r.finish_reason, "tool_calls");
  EXPECT_EQ(texts, "Checking.");
  EXPECT_EQ(reasoning, "Let me check");
  EXPECT_EQ(calls, "read_file;");
  EXPECT_EQ(r.usage.prompt, 4u + 306 + 1474) << "input excludes the cache's reads and writes";
  EXPECT_EQ(r.usage.cache_hit, 1474u) << "a null in message_delta keeps the earlier count";
  EXPECT_EQ(r.usage.cache_write, 306u);
  EXPECT_EQ(r.usage.completion, 65u) << "message_delta's count replaces message_start's";
}

TEST(AnthropicStreamTest, AnErrorEventAndBadJsonAreErrors) {
  anthropic_stream s;
  auto err =
    s.on_data(R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("overloaded_error: Overloaded"), std::string::npos);
  EXPECT_TRUE(anthropic_stream{}.on_data("{not json"));
  EXPECT_TRUE(anthropic_stream{}.on_data(
    R"({"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{"}})"))
    << "tool input for no tool call";
}

TEST(AnthropicStreamTest, ReadsAWholeMessage) {
  anthropic_stream s;
  ASSERT_FALSE(s.on_whole(
    R"({"content":[{"type":"text","text":"Hi."},{"type":"tool_use","id":"t1","name":"run_command","input":{"argv":["ls"]}}],)"
    R"("stop_reason":"end_turn","usage":{"input_tokens":10,"output_tokens":3}})"));
  EXPECT_TRUE(s.done());
  auto r = s.reply();
  EXPECT_EQ(r.message.content, "Hi.");
  EXPECT_EQ(r.message.tool_calls.at(0).arguments, R"({"argv":["ls"]})");
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.usage.prompt, 10u);
  EXPECT_TRUE(anthropic_stream{}.on_whole(R"({"choices":[]})"));
}

} // namespace
} // namespace boocode::model
