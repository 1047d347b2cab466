// The model client against the fake model server: real HTTP, real SSE, injected faults.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "net/model_client.hpp"
#include "tests/support/fake_model_server.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using test::fake_reply;

class ModelClientTest : public ::testing::Test {
protected:
  net::model_client client(std::function<void(net::model_endpoint&)> tweak = {}) {
    net::model_endpoint ep;
    ep.base_url = server_.base_url();
    ep.api_key = "sk-test-secret";
    ep.model = "fake-model";
    ep.backoff_base = 5ms;
    ep.backoff_max = 20ms;
    ep.idle_timeout = 2s;
    if (tweak)
      tweak(ep);
    return net::model_client{ep, nullptr};
  }

  net::model_result call(net::model_client& c, const cancel_token* cancel = nullptr) {
    model::conversation msgs{{{"user", "hello", "", {}, ""}}};
    model::stream_callbacks cb;
    cb.on_text = [this](std::string_view t) {
      text_ += t;
      text_bytes_ += t.size();
    };
    cb.on_reasoning = [this](std::string_view t) { reasoning_ += t; };
    auto tools = tools_.dump();
    return c.complete({"be brief", msgs, tools}, cb, cancel);
  }

  static model::model_reply ok(const net::model_result& r) {
    if (auto* e = std::get_if<net::model_error>(&r))
      ADD_FAILURE() << "model error: " << e->message;
    return std::get<model::model_reply>(r);
  }

  static net::model_error failed(const net::model_result& r) {
    EXPECT_TRUE(std::holds_alternative<net::model_error>(r));
    return std::holds_alternative<net::model_error>(r) ? std::get<net::model_error>(r)
                                                       : net::model_error{};
  }

  test::fake_model_server server_;
  nlohmann::json tools_ = nlohmann::json::array(
    {{{"type", "function"},
      {"function", {{"name", "read_file"}, {"parameters", {{"type", "object"}}}}}}});
  std::string text_;
  std::atomic<size_t> text_bytes_{0}; // read by other threads
  std::string reasoning_;
};

TEST_F(ModelClientTest, StreamsTextAndReportsUsage) {
  server_.enqueue(fake_reply::text_reply("Hello there, how can I help?",
                                         {{"prompt_tokens", 120},
                                          {"completion_tokens", 9},
                                          {"prompt_tokens_details", {{"cached_tokens", 100}}}}));
  auto c = client();
  auto reply = ok(call(c));
  EXPECT_EQ(reply.message.content, "Hello there, how can I help?");
  EXPECT_EQ(text_, reply.message.content);
  EXPECT_EQ(reply.finish_reason, "stop");
  EXPECT_EQ(reply.usage.prompt, 120u);
  EXPECT_EQ(reply.usage.cache_hit, 100u);
  EXPECT_EQ(reply.usage.cache_miss, 20u);
  EXPECT_EQ(reply.usage.completion, 9u);
}

TEST_F(ModelClientTest, SendsTheOpenAiRequestShape) {
  server_.enqueue(fake_reply::text_reply("ok"));
  auto c = client();
  ok(call(c));
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/v1/chat/completions");
  EXPECT_EQ(reqs[0].header("authorization"), "Bearer sk-test-secret");
  auto& body = reqs[0].body;
  EXPECT_EQ(body["model"], "fake-model");
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
  EXPECT_EQ(body["messages"][1]["content"], "hello");
  EXPECT_EQ(body["tools"], tools_);
}

TEST_F(ModelClientTest, AssemblesToolCallsSplitAcrossChunks) {
  auto r =
    fake_reply::tool_reply("write_file", R"({"path":"src/main.c","content":"int main(){}"})");
  r.tool_calls.emplace_back("run_command", R"({"argv":["make"]})");
  r.piece = 3;
  server_.enqueue(r);
  auto c = client();
  auto reply = ok(call(c));
  ASSERT_EQ(reply.message.tool_calls.size(), 2u);
  EXPECT_EQ(reply.message.tool_calls[0].name, "write_file");
  EXPECT_EQ(reply.message.tool_calls[0].arguments,
            R"({"path":"src/main.c","content":"int main(){}"})");
  EXPECT_EQ(reply.message.tool_calls[0].id, "call_0");
  EXPECT_EQ(reply.message.tool_calls[1].name, "run_command");
  EXPECT_EQ(reply.finish_reason, "tool_calls");
}

// A whole reply in one write: hundreds of events (more than one read buffer
// holds) parsed from a few reads, none lost or split wrongly; the connection
// then serves the next call.
TEST_F(ModelClientTest, AReplyWrittenInOneGoIsReadWhole) {
  std::string content(20000, 'c');
  content[7] = 'q';
  auto args = nlohmann::json{{"path", "big.txt"}, {"content", content}}.dump();
  auto r = fake_reply::tool_reply("write_file", args);
  r.text = std::string(1001, 't') + "end";
  r.one_write = true;
  server_.enqueue(r);
  auto c = client();
  auto reply = ok(call(c));
  ASSERT_EQ(reply.message.tool_calls.size(), 1u);
  EXPECT_EQ(reply.message.tool_calls[0].arguments, args);
  EXPECT_EQ(reply.message.content, r.text);
  EXPECT_EQ(text_, r.text); // every delta delivered, in order
  server_.enqueue(fake_reply::text_reply("next"));
  EXPECT_EQ(ok(call(c)).message.content, "next");
  EXPECT_EQ(c.connections().opened, 1u);
}

TEST_F(ModelClientTest, KeepsDeepSeekReasoningApartAndReadsItsCacheFields) {
  auto r =
    fake_reply::text_reply("42", {{"prompt_tokens", 50},
                                  {"completion_tokens", 30},
                                  {"prompt_cache_hit_tokens", 32},
                                  {"prompt_cache_miss_tokens", 18},
                                  {"completion_tokens_details", {{"reasoning_tokens", 25}}}});
  r.reasoning = "Let me think about it.";
  server_.enqueue(r);
  auto c = client();
  auto reply = ok(call(c));
  EXPECT_EQ(reply.message.content, "42");
  EXPECT_EQ(reply.message.reasoning, "Let me think about it.");
  EXPECT_EQ(text_, "42");
  EXPECT_EQ(reasoning_, "Let me think about it.");
  EXPECT_EQ(reply.usage.cache_hit, 32u);
  EXPECT_EQ(reply.usage.cache_miss, 18u);
  EXPECT_EQ(reply.usage.reasoning, 25u);
}

TEST_F(ModelClientTest, AcceptsANonStreamedReply) {
  auto r = fake_reply::tool_reply("list_dir", R"({"path":"."})");
  r.stream = false;
  r.usage = {{"prompt_tokens", 10}, {"completion_tokens", 2}};
  server_.enqueue(r);
  auto c = client();
  auto reply = ok(call(c));
  ASSERT_EQ(reply.message.tool_calls.size(), 1u);
  EXPECT_EQ(reply.message.tool_calls[0].name, "list_dir");
  EXPECT_EQ(reply.usage.prompt, 10u);
}

TEST_F(ModelClientTest, RetriesRateLimitsAndServerErrors) {
  server_.enqueue(fake_reply::error(429, 0));
  server_.enqueue(fake_reply::error(500));
  server_.enqueue(fake_reply::error(503));
  server_.enqueue(fake_reply::text_reply("finally"));
  auto c = client();
  auto reply = ok(call(c));
  EXPECT_EQ(reply.message.content, "finally");
  EXPECT_EQ(text_, "finally");
  EXPECT_EQ(server_.request_count(), 4u);
}

TEST_F(ModelClientTest, GivesUpAfterMaxAttempts) {
  for (int i = 0; i < 5; ++i)
    server_.enqueue(fake_reply::error(500));
  auto c = client([](net::model_endpoint& ep) { ep.max_attempts = 3; });
  auto err = failed(call(c));
  EXPECT_EQ(err.what, net::model_error::kind::http_status);
  EXPECT_EQ(err.status, 500);
  EXPECT_EQ(err.attempts, 3);
  EXPECT_NE(err.message.find("fake error 500"), std::string::npos) << err.message;
  EXPECT_EQ(server_.request_count(), 3u);
}

TEST_F(ModelClientTest, DoesNotRetryAClientError) {
  server_.enqueue(fake_reply::error(401));
  server_.enqueue(fake_reply::text_reply("never"));
  auto c = client();
  auto err = failed(call(c));
  EXPECT_EQ(err.status, 401);
  EXPECT_EQ(server_.request_count(), 1u);
  EXPECT_EQ(err.message.find("sk-test-secret"), std::string::npos);
}

TEST_F(ModelClientTest, AStalledStreamTimesOut) {
  auto stall = fake_reply::text_reply("never finishes");
  stall.fault_kind = fake_reply::fault::stall;
  server_.enqueue(stall);
  server_.enqueue(stall);
  auto c = client([](net::model_endpoint& ep) {
    ep.idle_timeout = 300ms;
    ep.max_attempts = 2;
  });
  auto err = failed(call(c));
  EXPECT_EQ(err.what, net::model_error::kind::timeout) << err.message;
  EXPECT_EQ(err.attempts, 2);
}

TEST_F(ModelClientTest, AStreamCutBeforeAnyTextIsRetried) {
  auto cut = fake_reply::text_reply("first try");
  cut.fault_kind = fake_reply::fault::cut;
  cut.cut_after = 40; // inside the first event
  server_.enqueue(cut);
  server_.enqueue(fake_reply::text_reply("second try"));
  auto c = client();
  auto reply = ok(call(c));
  EXPECT_EQ(reply.message.content, "second try");
  EXPECT_EQ(text_, "second try");
}

TEST_F(ModelClientTest, AStreamCutAfterTextIsAnErrorNotARepeat) {
  auto cut = fake_reply::text_reply("a long answer that gets cut");
  cut.fault_kind = fake_reply::fault::cut;
  cut.cut_after = 600;
  server_.enqueue(cut);
  server_.enqueue(fake_reply::text_reply("should not be asked"));
  auto c = client();
  auto err = failed(call(c));
  EXPECT_EQ(err.what, net::model_error::kind::network);
  EXPECT_FALSE(text_.empty());
  EXPECT_EQ(server_.request_count(), 1u);
}

TEST_F(ModelClientTest, MalformedJsonIsAProtocolError) {
  auto bad = fake_reply::text_reply("x");
  bad.fault_kind = fake_reply::fault::malformed;
  server_.enqueue(bad);
  auto c = client();
  auto err = failed(call(c));
  EXPECT_EQ(err.what, net::model_error::kind::protocol);
  EXPECT_EQ(server_.request_count(), 1u);
}

TEST_F(ModelClientTest, CancelClosesTheStreamAtOnce) {
  auto slow = fake_reply::text_reply(std::string(400, 'z'));
  slow.interval = 50ms; // 100 events: 5 s
  server_.enqueue(slow);
  auto c = client();
  cancel_token token;
  std::thread canceller{[&] {
    while (text_bytes_ < 8)
      std::this_thread::yield();
    token.cancel();
  }};
  auto started = std::chrono::steady_clock::now();
  auto err = failed(call(c, &token));
  canceller.join();
  EXPECT_EQ(err.what, net::model_error::kind::cancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST_F(ModelClientTest, AnUnreachableEndpointIsANetworkError) {
  net::model_endpoint ep;
  ep.base_url = "http://127.0.0.1:1/v1";
  ep.max_attempts = 2;
  ep.backoff_base = 1ms;
  net::model_client c{ep, nullptr};
  auto err = failed(call(c));
  EXPECT_EQ(err.what, net::model_error::kind::network);
  EXPECT_EQ(err.attempts, 2);
  ep.base_url = "ftp://nowhere";
  net::model_client bad{ep, nullptr};
  EXPECT_EQ(failed(call(bad)).what, net::model_error::kind::config);
}

// One connection serves call after call (HTTP/1.1 keep-alive).
TEST_F(ModelClientTest, CallsReuseOneConnection) {
  auto c = client();
  for (int i = 0; i < 5; ++i) {
    server_.enqueue(fake_reply::text_reply("answer " + std::to_string(i)));
    EXPECT_EQ(ok(call(c)).message.content, "answer " + std::to_string(i));
  }
  EXPECT_EQ(server_.connection_count(), 1u);
  EXPECT_EQ(c.connections().opened, 1u);
  EXPECT_EQ(c.connections().idle, 1u);
}

// The server closed the kept connection while it was idle (its keep-alive
// timeout): the next call goes out again at once on a new one, without a
// backoff and without counting as a failed attempt.
TEST_F(ModelClientTest, AConnectionDroppedWhileIdleIsReplacedTransparently) {
  auto c = client([](net::model_endpoint& ep) {
    ep.backoff_base = 5s; // a real retry would take seconds
    ep.backoff_max = 5s;
  });
  server_.enqueue(fake_reply::text_reply("first"));
  ok(call(c));
  // The fake server drops it once its thread is back waiting for a request.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (server_.drop_idle_connections() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  server_.enqueue(fake_reply::text_reply("second"));
  auto started = std::chrono::steady_clock::now();
  auto reply = ok(call(c));
  EXPECT_EQ(reply.message.content, "second");
  EXPECT_EQ(reply.attempts, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_EQ(server_.connection_count(), 2u);
  EXPECT_EQ(server_.request_count(), 2u);
}

// An error reply closes its connection: the retry opens a new one.
TEST_F(ModelClientTest, AfterAnErrorReplyTheRetryUsesANewConnection) {
  server_.enqueue(fake_reply::error(503));
  server_.enqueue(fake_reply::text_reply("recovered"));
  auto c = client();
  auto reply = ok(call(c));
  EXPECT_EQ(reply.attempts, 2);
  EXPECT_EQ(server_.connection_count(), 2u);
}
