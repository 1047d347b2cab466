// The quick chunk reader against the document reader: the same reply from
// every chunk, and a hand-over to the document reader for all it does not
// take.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/model/chat_stream.hpp"
#include "runtime/model/stream_chunk.hpp"

using namespace boocode::model;

namespace {

/// A reply and what its callbacks saw, fed chunk by chunk.
struct fed {
  model_reply reply;
  std::string texts, reasonings, calls;
  std::vector<std::optional<std::string>> errors;
};

fed feed(const std::vector<std::string>& chunks, bool as_documents) {
  fed out;
  chat_stream s{{[&](std::string_view t) { out.texts += std::string(t) + "|"; },
                 [&](std::string_view t) { out.reasonings += std::string(t) + "|"; },
                 [&](std::string_view t) { out.calls += std::string(t) + "|"; },
                 {}}};
  for (auto& c : chunks) {
    auto j = nlohmann::json::parse(c, nullptr, false);
    out.errors.push_back(as_documents && !j.is_discarded() ? s.on_chunk(j) : s.on_data(c));
  }
  out.reply = s.reply();
  return out;
}

} // namespace

TEST(StreamChunkTest, ReadsTheDeltasOfAPlainChunk) {
  stream_chunk c;
  ASSERT_TRUE(read_plain_chunk(
    R"({"id":"x","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi","refusal":null,)"
    R"("tool_calls":[{"index":1,"id":"call_9","type":"function","function":{"name":"read",)"
    R"("arguments":"{\"p"}}]},"logprobs":{"content":[{"token":"x","bytes":[1,2]}]},)"
    R"("finish_reason":null}],"object":"chat.completion.chunk"})",
    c));
  ASSERT_EQ(c.choices.size(), 1u);
  EXPECT_EQ(c.choices[0].content, "Hi");
  EXPECT_EQ(c.choices[0].finish_reason, "");
  ASSERT_EQ(c.choices[0].calls.size(), 1u);
  EXPECT_EQ(c.choices[0].calls[0].index, 1);
  EXPECT_EQ(c.choices[0].calls[0].id, "call_9");
  EXPECT_EQ(c.choices[0].calls[0].name, "read");
  EXPECT_EQ(c.choices[0].calls[0].arguments, "{\"p");
}

TEST(StreamChunkTest, LeavesToTheDocumentReaderWhatIsNotAPlainChunk) {
  for (const char* text :
       {R"({"error":{"message":"overloaded"}})", R"({"choices":[],"usage":{"prompt_tokens":3}})",
        R"({"id":"x"})", R"({"choices":{"0":{}}})", R"({"choices":null})", R"([{"choices":[]}])",
        R"("text")", R"({"choices":[{"delta":{"content":"cut)", ""}) {
    stream_chunk c;
    EXPECT_FALSE(read_plain_chunk(text, c)) << text;
    EXPECT_TRUE(c.choices.empty()) << text;
  }
}

// Every chunk, odd ones included, gives the same reply, callbacks and
// errors whichever reader takes it.
TEST(StreamChunkTest, TheQuickReaderAndTheDocumentReaderAgree) {
  std::vector<std::string> chunks{
    R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})",
    R"({"choices":[{"delta":{"reasoning_content":"think"}}]})",
    R"({"choices":[{"delta":{"content":"Hel"}},{"delta":{"content":"second choice"}}]})",
    R"({"choices":[{"delta":{"content":"lo","reasoning_content":null}}]})",
    R"({"choices":[{"delta":{"content":42,"tool_calls":"no"}}]})",
    R"({"choices":[7,{"delta":"not an object"},{"delta":{"tool_calls":[3,{"index":0,"id":"a",)"
    R"("function":{"name":"wri","arguments":"{\"x\""}}]}}]})",
    R"({"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"te","arguments":":1}"}}]}}]})",
    R"({"choices":[{"delta":{"tool_calls":[{"function":{"name":"run","arguments":"{}"}}]}}]})",
    R"({"choices":[{"delta":{"tool_calls":[{"index":2.5,"id":"c","function":{"name":"f"}}]}}]})",
    R"({"choices":[{"delta":{"tool_calls":[{"index":"1","function":{"arguments":"x"}}]}}]})",
    R"({"choices":[{"delta":{},"finish_reason":"tool_calls","extra":{"nested":[{"a":[1,{}]}]}}]})",
    R"({"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":2}})",
    R"({"error":"plain"})",
    R"({"id":"no choices"})",
  };
  auto quick = feed(chunks, false);
  auto documents = feed(chunks, true);
  EXPECT_EQ(quick.reply.message.content, documents.reply.message.content);
  EXPECT_EQ(quick.reply.message.content, "Helsecond choicelo");
  EXPECT_EQ(quick.reply.message.reasoning, documents.reply.message.reasoning);
  EXPECT_EQ(quick.reply.finish_reason, "tool_calls");
  EXPECT_EQ(quick.reply.finish_reason, documents.reply.finish_reason);
  ASSERT_EQ(quick.reply.message.tool_calls.size(), documents.reply.message.tool_calls.size());
  for (size_t i = 0; i < quick.reply.message.tool_calls.size(); ++i) {
    auto& a = quick.reply.message.tool_calls[i];
    auto& b = documents.reply.message.tool_calls[i];
    EXPECT_EQ(a.id, b.id) << i;
    EXPECT_EQ(a.name, b.name) << i;
    EXPECT_EQ(a.arguments, b.arguments) << i;
  }
  EXPECT_EQ(quick.reply.message.tool_calls.at(0).arguments, "{\"x\":1}");
  EXPECT_EQ(quick.reply.message.tool_calls.at(0).name, "write");
  EXPECT_EQ(quick.texts, documents.texts);
  EXPECT_EQ(quick.reasonings, documents.reasonings);
  EXPECT_EQ(quick.calls, documents.calls);
  EXPECT_EQ(quick.errors, documents.errors);
  EXPECT_EQ(quick.reply.usage.prompt, 10);
}
