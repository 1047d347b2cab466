#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "runtime/model/scripted_provider.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using namespace boocode::model;
using nlohmann::json;

namespace {

model_script two_turns() {
  auto parsed = parse_model_script(json::parse(R"({
    "piece_chars": 3, "piece_delay_ms": 0,
    "turns": [
      {"steps": [
        {"text": "writing", "tool_calls": [{"name": "write_file", "arguments": {"path": "a", "content": "x"}}]},
        {"text": "done"}
      ]},
      {"steps": [{"reasoning": "hmm", "text": "second turn", "usage": {"prompt_tokens": 7, "completion_tokens": 2}}]}
    ]})"));
  return std::get<model_script>(parsed);
}

chat_message msg(std::string role, std::string content = "") {
  return {std::move(role), std::move(content), "", {}, ""};
}

/// One call with `conv` and no tools.
model_result ask(scripted_provider& p, const conversation& conv, const stream_callbacks& cb = {},
                 const cancel_token* cancel = nullptr) {
  return p.complete({"system", conv, ""}, cb, cancel);
}

} // namespace

TEST(ScriptedProviderTest, StepsFollowFromTheConversation) {
  scripted_provider p{two_turns(), "test"};
  conversation conv{{msg("user", "hi")}};
  std::string streamed;
  stream_callbacks cb;
  cb.on_text = [&](std::string_view t) { streamed += t; };
  auto first = std::get<model_reply>(ask(p, conv, cb));
  EXPECT_EQ(first.message.content, "writing");
  EXPECT_EQ(streamed, "writing");
  ASSERT_EQ(first.message.tool_calls.size(), 1u);
  EXPECT_EQ(first.message.tool_calls[0].name, "write_file");
  EXPECT_EQ(json::parse(first.message.tool_calls[0].arguments)["path"], "a");
  EXPECT_EQ(first.finish_reason, "tool_calls");
  EXPECT_TRUE(first.usage.reported);
  conv.append(first.message);
  conv.append({"tool", "ok", "", {}, first.message.tool_calls[0].id});
  auto second = std::get<model_reply>(ask(p, conv));
  EXPECT_EQ(second.message.content, "done");
  EXPECT_EQ(second.finish_reason, "stop");
  conv.append(second.message);
  conv.append(msg("user", "again"));
  auto third = std::get<model_reply>(ask(p, conv));
  EXPECT_EQ(third.message.content, "second turn");
  EXPECT_EQ(third.message.reasoning, "hmm");
  EXPECT_EQ(third.usage.prompt, 7u);
  conv.append(third.message);
  conv.append(msg("user", "third: cycles back"));
  EXPECT_EQ(scripted_provider::position(conv.messages(), 2), (std::pair<size_t, size_t>{0, 0}));
}

TEST(ScriptedProviderTest, AnAgentWhosePromptMatchesFollowsItsOwnTurns) {
  auto parsed = parse_model_script(json::parse(R"({
    "turns": [{"steps": [{"text": "the chat"}]}],
    "agents": [{"prompt_starts_with": "Quick:", "turns": [{"steps": [
      {"tool_calls": [{"name": "list_dir", "arguments": {"path": "."}}]},
      {"text": "quick done"}]}]}]})"));
  ASSERT_TRUE(std::holds_alternative<model_script>(parsed)) << std::get<std::string>(parsed);
  scripted_provider p{std::get<model_script>(parsed), "test"};
  EXPECT_EQ(std::get<model_reply>(ask(p, conversation{{msg("user", "hi")}})).message.content,
            "the chat");
  conversation sub{{msg("user", "Quick: count the files")}};
  auto first = std::get<model_reply>(ask(p, sub));
  ASSERT_EQ(first.message.tool_calls.size(), 1u);
  EXPECT_EQ(first.message.tool_calls[0].id, "call_a0_0_0_0");
  sub.append(first.message);
  sub.append({"tool", "a.txt", "", {}, first.message.tool_calls[0].id});
  EXPECT_EQ(std::get<model_reply>(ask(p, sub)).message.content, "quick done");
  auto bad = parse_model_script(json::parse(R"({"turns": [{"steps": [{"text": "x"}]}],
    "agents": [{"turns": []}]})"));
  ASSERT_TRUE(std::holds_alternative<std::string>(bad));
  EXPECT_NE(std::get<std::string>(bad).find("agents[0]"), std::string::npos);
}

TEST(ScriptedProviderTest, PastTheLastStepSaysSo) {
  scripted_provider p{two_turns(), "test"};
  conversation conv{{msg("user", "x"), msg("assistant"), msg("tool"), msg("assistant")}};
  auto r = std::get<model_reply>(ask(p, conv));
  EXPECT_NE(r.message.content.find("no step 3"), std::string::npos) << r.message.content;
}

TEST(ScriptedProviderTest, CancelStopsTheStream) {
  scripted_provider p{two_turns(), "test"};
  cancel_token token;
  token.cancel();
  auto r = ask(p, conversation{{msg("user", "x")}}, {}, &token);
  ASSERT_TRUE(std::holds_alternative<model_error>(r));
  EXPECT_EQ(std::get<model_error>(r).what, model_error::kind::cancelled);
}

TEST(ScriptedProviderTest, BadScriptsAreRefusedWithThePath) {
  auto err = [](const char* text) {
    auto r = parse_model_script(json::parse(text));
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string();
  };
  EXPECT_NE(err(R"({})").find("turns"), std::string::npos);
  EXPECT_NE(err(R"({"turns":[{"steps":[]}]})").find("turns[0]"), std::string::npos);
  EXPECT_NE(err(R"({"turns":[{"steps":[{"txt":"typo"}]}]})").find("unknown field \"txt\""),
            std::string::npos);
  EXPECT_NE(err(R"({"turns":[{"steps":[{"tool_calls":[{"arguments":{}}]}]}]})")
              .find("turns[0].steps[0].tool_calls[0]"),
            std::string::npos);
  test::temp_dir dir;
  std::ofstream(dir / "bad.json") << "{nope";
  EXPECT_THROW(load_model_script(dir / "bad.json"), std::runtime_error);
}

TEST(ScriptedProviderTest, TheBundledDemoScriptUsesRealTools) {
  auto& demo = demo_script();
  ASSERT_FALSE(demo.turns.empty());
  std::set<std::string> used;
  for (auto& step : demo.turns[0])
    for (auto& c : step.tool_calls)
      used.insert(c.name);
  EXPECT_TRUE(used.count("write_file") && used.count("run_command")) << "the demo shows tools";
}

// The scripted model records the images each call sent, as the request
// carried them, so in-process tests can check exactly what a model was shown.
TEST(ScriptedProviderTest, RecordsTheImagesACallSent) {
  scripted_provider p{two_turns(), "test"};
  chat_message m = msg("user", "what is this?");
  m.images = {{"a_1", "s1", "image/png", 10, 2, 2, "one.png"},
              {"a_2", "s2", "image/png", 10, 2, 2, "two.png"}};
  conversation conv{{m}};
  image_payload payload;
  payload.data_urls = {{"s1", std::make_shared<const std::string>("data:image/jpeg;base64,QUJD")}};
  ask(p, conversation{{msg("user", "no images")}});
  EXPECT_TRUE(p.images_received().empty());
  p.complete({"system", conv, "", {}, &payload}, {}, nullptr);
  auto got = p.images_received();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].size(), 1u); // s2 is not stored: a note, not an image
  EXPECT_EQ(got[0][0].sha256, "s1");
  EXPECT_EQ(got[0][0].media_type, "image/jpeg");
}
