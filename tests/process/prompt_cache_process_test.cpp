// Prompt-cache telemetry through a real node and a fake endpoint that plays
// a provider's prefix cache over the bytes BooCode sends (docs/api.md,
// "Prompt cache").
#include <csignal>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/process/chat_process_fixture.hpp"
#include "tests/support/fake_prompt_cache.hpp"

namespace {

using boocode::test::fake_prompt_cache;
using boocode::test::fake_reply;
using boocode::test::get_json;
using boocode::test::post_message;
using boocode::test::wait_done;
using json = nlohmann::json;

/// The chat's model calls, oldest first, once `n` are stored (traces are
/// written a moment after their turn ends).
std::vector<json> model_calls(const boocode::test::endpoint& to, const std::string& chat,
                              size_t n) {
  std::vector<json> out;
  boocode::poll_until(std::chrono::seconds(10), [&] {
    out.clear();
    auto page = get_json(to, "/api/chats/" + chat + "/traces?limit=500");
    for (auto& t : page["items"])
      if (t["kind"] == "model")
        out.push_back(t);
    return out.size() >= n;
  });
  EXPECT_EQ(out.size(), n) << "model calls of " << chat;
  if (out.empty())
    out.emplace_back(json{{"prompt_cache", nullptr}});
  return out;
}

const json* segment_of(const json& cache, const std::string& kind) {
  for (const auto& s : cache["segments"])
    if (s["kind"] == kind)
      return &s;
  return nullptr;
}

class PromptCacheTest : public ChatProcessTest,
                        public ::testing::WithParamInterface<fake_prompt_cache::style> {
protected:
  PromptCacheTest() {
    model_.set_prompt_cache(cache_);
    // A reply of about 2,000 tokens: each turn adds a good part of the prompt.
    model_.set_responder([this](const json&) -> std::optional<fake_reply> {
      return fake_reply::text_reply(std::string(reply_bytes_, 'x') + " done");
    });
    extra_args_ = {"--prompt-cache-key", "on"};
    if (anthropic()) {
      model_.set_anthropic(true);
      extra_args_.insert(extra_args_.end(), {"--model-provider", "anthropic"});
    }
  }

  static bool anthropic() { return GetParam() == fake_prompt_cache::style::anthropic; }

  /// Posts `text` and waits for its turn to end.
  void say(const std::string& chat, const std::string& text) {
    post_message(to_, chat, text, "k-" + std::to_string(++sent_));
    wait_done(to_, chat);
  }

  /// Stops the node and starts it again with `args` added.
  void restart_with(const std::vector<std::string>& args) {
    node_->signal(SIGTERM);
    ASSERT_EQ(node_->wait_exit(std::chrono::seconds(20)), 0) << node_->output();
    extra_args_.insert(extra_args_.end(), args.begin(), args.end());
    start_node("node-" + std::to_string(++starts_) + ".log");
  }

  std::shared_ptr<fake_prompt_cache> cache_ = std::make_shared<fake_prompt_cache>(GetParam());
  size_t reply_bytes_ = 1200;
  int sent_ = 0;
  int starts_ = 0;
};

TEST_P(PromptCacheTest, ANormalChatShowsItsShapeHitRateAndByteStableRequests) {
  auto chat = create_chat();
  for (int i = 0; i < 4; ++i)
    say(chat, "step " + std::to_string(i));
  auto calls = model_calls(to_, chat, 4);
  ASSERT_EQ(calls.size(), 4u);
  ASSERT_GE(calls[0]["usage"]["prompt"].get<int>(), 1024)
    << "the first request is long enough for either provider to cache";
  EXPECT_EQ(calls[0]["prompt_cache"]["cached_tokens"], 0);
  for (size_t i = 1; i < calls.size(); ++i) {
    SCOPED_TRACE("call " + std::to_string(i));
    const auto& cache = calls[i]["prompt_cache"];
    ASSERT_TRUE(cache.is_object()) << calls[i].dump();
    EXPECT_TRUE(cache["break"].is_null()) << cache.dump();
    EXPECT_EQ(cache["cached_tokens"], calls[i]["usage"]["cache_hit"]) << "the provider's own count";
    EXPECT_GT(cache["hit_rate"].get<double>(), 0.6) << cache.dump();
    // Tools, the system prompt, the history up to the previous call, the new messages.
    EXPECT_EQ(cache["segments"][0]["kind"], "tool");
    ASSERT_TRUE(segment_of(cache, "system"));
    auto* history = segment_of(cache, "history");
    auto* fresh = segment_of(cache, "new");
    ASSERT_TRUE(history && fresh) << cache.dump();
    EXPECT_EQ((*history)["messages"], 2 * i - 1) << "every message the previous call sent";
    EXPECT_EQ((*fresh)["messages"], 2) << "its reply and the new question";
    // The cached prefix covers every tool, and stops at one place: the
    // segments before it are wholly cached, those after it not at all.
    auto stop = cache["stop"].get<size_t>();
    const auto& segments = cache["segments"];
    ASSERT_LT(stop, segments.size());
    EXPECT_NE(segments[stop]["kind"], "tool") << cache.dump();
    for (size_t s = 0; s < segments.size(); ++s)
      if (s < stop)
        EXPECT_EQ(segments[s]["cached_tokens_est"], segments[s]["tokens_est"]) << s;
      else if (s > stop)
        EXPECT_EQ(segments[s]["cached_tokens_est"], 0) << s;
  }

  auto bodies = model_.raw_bodies();
  ASSERT_EQ(bodies.size(), 4u);
  if (anthropic()) {
    // The breakpoints: the last tool, the system prompt, the newest turn and
    // the user turn before it.
    auto body = json::parse(bodies[3]);
    EXPECT_TRUE(body["tools"].back().contains("cache_control"));
    EXPECT_TRUE(body["system"][0].contains("cache_control"));
    auto& messages = body["messages"];
    ASSERT_EQ(messages.size(), 7u);
    EXPECT_TRUE(messages[6]["content"].back().contains("cache_control"));
    EXPECT_TRUE(messages[4]["content"].back().contains("cache_control"));
    EXPECT_FALSE(messages[2]["content"].back().contains("cache_control")) << "at most four";
    auto req = model_.requests().back();
    EXPECT_EQ(req.target, "/v1/messages");
    EXPECT_EQ(req.header("anthropic-version"), "2023-06-01");
    EXPECT_EQ(req.header("x-api-key"), "sk-secret-key");
    EXPECT_EQ(req.header("authorization"), "");
  } else {
    // Each request starts with the previous one's bytes up to its last message.
    for (size_t i = 1; i < bodies.size(); ++i) {
      auto before = std::string_view(bodies[i - 1]).substr(0, bodies[i - 1].size() - 2); // "]}"
      EXPECT_TRUE(std::string_view(bodies[i]).starts_with(before)) << "request " << i;
    }
    EXPECT_EQ(json::parse(bodies[0])["prompt_cache_key"], chat);
  }

  auto usage = get_json(to_, "/api/chats/" + chat + "/usage");
  EXPECT_EQ(usage["own"]["model_calls"], 4);
  EXPECT_EQ(usage["total"]["cache_breaks"], 0);
  ASSERT_EQ(usage["turns"].size(), 4u);
  EXPECT_EQ(usage["turns"][0]["hit_rate"], 0);
  for (size_t i = 1; i < 4; ++i)
    EXPECT_GT(usage["turns"][i]["hit_rate"].get<double>(), 0.6) << usage.dump();
  EXPECT_GT(usage["total"]["usage"]["cache_hit"].get<int>(), 0);
}

TEST_P(PromptCacheTest, EachBreakIsNamedByItsCause) {
  reply_bytes_ = 8000; // turns long enough that losing one is a break by the rule
  auto chat = create_chat();
  for (int i = 0; i < 3; ++i)
    say(chat, "turn " + std::to_string(i));

  // A fork from turn 1 goes on from the parent's history cut there; its
  // first call is compared with the parent's last (once its trace is stored).
  model_calls(to_, chat, 3);
  auto fork =
    boocode::test::http_call(to_, "POST", "/api/chats/" + chat + "/fork", json{{"turn", 1}}.dump());
  ASSERT_EQ(fork.status, 201) << fork.body;
  auto forked = fork.json()["id"].get<std::string>();
  say(forked, "a different second question");
  auto first = model_calls(to_, forked, 1).front()["prompt_cache"];
  ASSERT_TRUE(first["break"].is_object()) << first.dump();
  EXPECT_EQ(first["break"]["cause"], "history_rewritten");
  EXPECT_EQ(first["break"]["from_message"], 2) << "turn 1's question and answer are kept";
  EXPECT_EQ(first["break"]["forked_from"], chat);

  // The provider drops the prefix early: nothing in the request changed.
  say(chat, "warm");
  cache_->evict_all();
  say(chat, "after an eviction");
  auto last = model_calls(to_, chat, 5).back()["prompt_cache"];
  ASSERT_TRUE(last["break"].is_object()) << last.dump();
  EXPECT_EQ(last["break"]["cause"], "evicted");
  EXPECT_LT(last["break"]["idle_s"].get<double>(), 300);
  EXPECT_GT(last["break"]["previous_cached_tokens"].get<int>(), 0);
  EXPECT_EQ(last["cached_tokens"], 0);

  // A node without images offers no view_image: a tool is gone.
  say(chat, "warm again");
  restart_with({"--model-vision", "off"});
  say(chat, "after the restart");
  last = model_calls(to_, chat, 7).back()["prompt_cache"];
  ASSERT_TRUE(last["break"].is_object()) << last.dump();
  EXPECT_EQ(last["break"]["cause"], "tools_changed");
  EXPECT_EQ(last["break"]["tools_removed"], json::array({"view_image"}));

  // Another model: nothing of the prefix is the provider's.
  say(chat, "warm once more");
  restart_with({"--model", "fake-model-2"});
  say(chat, "with another model");
  last = model_calls(to_, chat, 9).back()["prompt_cache"];
  ASSERT_TRUE(last["break"].is_object()) << last.dump();
  EXPECT_EQ(last["break"]["cause"], "model_changed");
  EXPECT_EQ(last["break"]["previous_model"], "fake-model");

  auto usage = get_json(to_, "/api/chats/" + chat + "/usage");
  EXPECT_EQ(usage["total"]["cache_breaks"], 3) << usage.dump();
}

INSTANTIATE_TEST_SUITE_P(Providers, PromptCacheTest,
                         ::testing::Values(fake_prompt_cache::style::deepseek,
                                           fake_prompt_cache::style::openai,
                                           fake_prompt_cache::style::anthropic),
                         [](const auto& info) {
                           switch (info.param) {
                             case fake_prompt_cache::style::deepseek:
                               return "DeepSeek";
                             case fake_prompt_cache::style::openai:
                               return "OpenAI";
                             case fake_prompt_cache::style::anthropic:
                               break;
                           }
                           return "Anthropic";
                         });

/// The provider keeps a prefix one second, and the node knows it.
class PromptCacheExpiryTest : public ChatProcessTest {
protected:
  PromptCacheExpiryTest() {
    model_.set_prompt_cache(cache_);
    model_.set_responder([](const json&) -> std::optional<fake_reply> {
      return fake_reply::text_reply(std::string(4000, 'y'));
    });
    extra_args_ = {"--prompt-cache-ttl", "1s"};
  }
  std::shared_ptr<fake_prompt_cache> cache_ = std::make_shared<fake_prompt_cache>(
    fake_prompt_cache::style::deepseek, std::chrono::seconds(1));
};

TEST_F(PromptCacheExpiryTest, ABreakAfterTheTtlIsNamedExpiryWithTheIdleTime) {
  auto chat = create_chat();
  post_message(to_, chat, "one", "k-1");
  wait_done(to_, chat);
  post_message(to_, chat, "two", "k-2");
  wait_done(to_, chat);
  // The idle time is the condition itself: wait until the TTL has passed.
  auto idle_from = std::chrono::steady_clock::now();
  boocode::poll_until(std::chrono::seconds(5), [&] {
    return std::chrono::steady_clock::now() - idle_from > std::chrono::milliseconds(1500);
  });
  post_message(to_, chat, "three", "k-3");
  wait_done(to_, chat);
  auto last = model_calls(to_, chat, 3).back()["prompt_cache"];
  ASSERT_TRUE(last["break"].is_object()) << last.dump();
  EXPECT_EQ(last["break"]["cause"], "expired");
  EXPECT_GE(last["break"]["idle_s"].get<double>(), 1.0);
  EXPECT_EQ(last["cached_tokens"], 0);
}

} // namespace

namespace {

/// A node speaking Anthropic's Messages to a fake Anthropic endpoint.
class AnthropicChatTest : public ChatProcessTest {
protected:
  AnthropicChatTest() {
    model_.set_anthropic(true);
    extra_args_ = {"--model-provider", "anthropic"};
  }
};

TEST_F(AnthropicChatTest, ATurnCallsToolsRetriesOverloadAndEndsWithTheAnswer) {
  {
    std::ofstream f{workspace_ / "notes.txt"};
    f << "hi there";
  }
  model_.enqueue(fake_reply::error(529)); // overloaded: retried
  model_.enqueue(fake_reply::tool_reply("read_file", R"({"path":"notes.txt"})"));
  model_.enqueue(fake_reply::text_reply("It says hi."));
  auto chat = create_chat();
  post_message(to_, chat, "what do the notes say?", "k-1");
  auto done = wait_done(to_, chat);
  auto answers = boocode::test::of_role(done, "assistant");
  ASSERT_FALSE(answers.empty()) << done.dump();
  EXPECT_EQ(boocode::test::content_of(answers.back()), "It says hi.");
  auto results = boocode::test::of_role(done, "tool");
  ASSERT_EQ(results.size(), 1u);
  EXPECT_NE(boocode::test::content_of(results[0]).find("hi there"), std::string::npos);

  auto requests = model_.requests();
  ASSERT_EQ(requests.size(), 3u);
  auto& last = requests[2].body;
  auto& messages = last["messages"];
  ASSERT_EQ(messages.size(), 3u) << last.dump();
  EXPECT_EQ(messages[1]["content"][0]["type"], "tool_use");
  EXPECT_EQ(messages[1]["content"][0]["input"]["path"], "notes.txt");
  auto& result = messages[2]["content"][0];
  EXPECT_EQ(result["type"], "tool_result");
  EXPECT_EQ(result["tool_use_id"], messages[1]["content"][0]["id"]);
  EXPECT_NE(result["content"].get<std::string>().find("hi there"), std::string::npos);
}

} // namespace
