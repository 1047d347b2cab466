#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/model/chat_stream.hpp"
#include "runtime/model/conversation.hpp"
#include "runtime/model/sse_parser.hpp"

using namespace boocode::model;

namespace {

std::vector<sse_event> parse_in_pieces(std::string_view text, size_t piece) {
  sse_parser p;
  std::vector<sse_event> out;
  for (size_t i = 0; i < text.size(); i += piece)
    EXPECT_TRUE(p.feed(text.substr(i, piece), [&](sse_event&& e) { out.push_back(std::move(e)); }));
  return out;
}

} // namespace

TEST(SseParserTest, EventsSurviveAnySplitAndLineEnding) {
  std::string text = ": comment\r\nevent: delta\r\ndata: {\"a\":1}\r\n\r\n"
                     "data: line one\ndata: line two\n\n"
                     "data:no-space\r\r"
                     "data: [DONE]\n\n";
  for (size_t piece : {1u, 2u, 7u, 1000u}) {
    auto events = parse_in_pieces(text, piece);
    ASSERT_EQ(events.size(), 4u) << "piece " << piece;
    EXPECT_EQ(events[0].event, "delta");
    EXPECT_EQ(events[0].data, "{\"a\":1}");
    EXPECT_EQ(events[1].data, "line one\nline two");
    EXPECT_EQ(events[2].data, "no-space");
    EXPECT_EQ(events[3].data, "[DONE]");
  }
}

TEST(SseParserTest, AnIncompleteEventIsNotDispatched) {
  auto events = parse_in_pieces("data: {\"cut\": tr", 3);
  EXPECT_TRUE(events.empty());
}

TEST(SseParserTest, AnOversizedEventIsRefused) {
  sse_parser p{64};
  EXPECT_FALSE(p.feed("data: " + std::string(100, 'x'), [](sse_event&&) {}));
}

TEST(ChatStreamTest, AssemblesContentToolCallsFinishAndUsage) {
  std::string seen;
  std::vector<std::string> calls_started;
  chat_stream s{{[&](std::string_view t) { seen += t; },
                 {},
                 [&](std::string_view name) { calls_started.emplace_back(name); },
                 {}}};
  auto chunk = [&](nlohmann::json delta, nlohmann::json finish = nullptr) {
    EXPECT_FALSE(
      s.on_chunk({{"choices", {{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}}}}));
  };
  chunk({{"role", "assistant"}, {"content", "Let me "}});
  chunk({{"content", "look."}});
  chunk(
    {{"tool_calls",
      {{{"index", 0}, {"id", "c1"}, {"function", {{"name", "read_"}, {"arguments", "{\"pa"}}}}}}});
  chunk({{"tool_calls",
          {{{"index", 0}, {"function", {{"name", "file"}, {"arguments", "th\":\"a\"}"}}}}}}});
  chunk(
    {{"tool_calls",
      {{{"index", 1}, {"id", "c2"}, {"function", {{"name", "list_dir"}, {"arguments", "{}"}}}}}}});
  chunk(nlohmann::json::object(), "tool_calls");
  EXPECT_FALSE(
    s.on_chunk({{"choices", nlohmann::json::array()}, {"usage", {{"prompt_tokens", 9}}}}));
  EXPECT_FALSE(s.on_data("[DONE]"));
  EXPECT_TRUE(s.done());
  auto r = s.reply();
  EXPECT_EQ(r.message.content, "Let me look.");
  EXPECT_EQ(seen, "Let me look.");
  ASSERT_EQ(r.message.tool_calls.size(), 2u);
  EXPECT_EQ(r.message.tool_calls[0], (tool_call{"c1", "read_file", "{\"path\":\"a\"}"}));
  EXPECT_EQ(r.message.tool_calls[1].name, "list_dir");
  EXPECT_EQ(r.finish_reason, "tool_calls");
  EXPECT_EQ(r.usage.prompt, 9u);
  // Each call is announced once, as it starts, with the name so far.
  EXPECT_EQ(calls_started, (std::vector<std::string>{"read_", "list_dir"}));
}

TEST(ChatStreamTest, ReportsGarbageAndApiErrors) {
  chat_stream s;
  EXPECT_TRUE(s.on_data("{not json"));
  EXPECT_TRUE(s.on_data("[1,2]"));
  EXPECT_TRUE(s.on_data(R"({"id":"x"})"));
  auto err = s.on_data(R"({"error":{"message":"context length exceeded"}})");
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("context length exceeded"), std::string::npos);
}

TEST(ChatStreamTest, RequestBodyCarriesToolCallsAndToolResults) {
  conversation conv{{
    {"user", "hi", "", {}, ""},
    {"assistant", "", "thinking", {{"c1", "read_file", "{\"path\":\"a\"}"}}, ""},
    {"tool", "file text", "", {}, "c1"},
  }};
  auto body = nlohmann::json::parse(request_body("m", {"be brief", conv, ""}).joined());
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
  EXPECT_FALSE(body.contains("tools"));
  auto& m = body["messages"];
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0]["role"], "system");
  EXPECT_EQ(m[0]["content"], "be brief");
  EXPECT_TRUE(m[2]["content"].is_null());
  EXPECT_FALSE(m[2].contains("reasoning_content")); // never sent back
  EXPECT_EQ(m[2]["tool_calls"][0]["function"]["name"], "read_file");
  EXPECT_EQ(m[3]["tool_call_id"], "c1");
}

TEST(ChatStreamTest, EachRequestBodyStartsWithThePreviousOnesBytes) {
  // What a provider's prompt cache keys on: appending messages must leave
  // every byte before them as it was.
  std::string tools = R"([{"type":"function","function":{"name":"read_file"}}])";
  conversation conv{{{"user", "read a", "", {}, ""}}};
  auto before = request_body("m", {"sys", conv, tools}).joined();
  conv.append({"assistant", "", "", {{"c1", "read_file", R"({"path":"a"})"}}, ""});
  conv.append({"tool", "text of a \u00e9", "", {}, "c1"});
  auto after = request_body("m", {"sys", conv, tools}).joined();
  auto common = before.substr(0, before.size() - 2); // without the closing "]}"
  EXPECT_EQ(after.substr(0, common.size()), common);
  EXPECT_EQ(nlohmann::json::parse(after)["tools"][0]["function"]["name"], "read_file");
  EXPECT_EQ(nlohmann::json::parse(after)["messages"].size(), 4u);
  // The same messages serialised in one go give the same bytes.
  conversation again{conv.messages()};
  EXPECT_EQ(request_body("m", {"sys", again, tools}).joined(), after);
}
