#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/model/cache_break.hpp"
#include "runtime/model/conversation.hpp"
#include "runtime/model/prices.hpp"
#include "runtime/protocol/prompt_cache.hpp"

namespace boocode::model {
namespace {

using namespace std::chrono_literals;

const std::string tools_json =
  R"([{"function":{"description":"reads \"a\" {file}","name":"read_file","parameters":{)"
  R"("properties":{"name":{"type":"string"}},"type":"object"}},"type":"function"},)"
  R"({"function":{"description":"runs","name":"run_command","parameters":{}},"type":"function"}])";

conversation chat_of(int turns) {
  conversation c;
  for (int i = 0; i < turns; ++i) {
    c.append({"user", "question " + std::to_string(i), "", {}, "", {}});
    c.append({"assistant", std::string(400, 'a') + std::to_string(i), "", {}, "", {}});
  }
  return c;
}

TEST(PromptCacheTest, SplitsTheToolsArrayIntoNamedSchemas) {
  auto parts = split_tools(tools_json);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].name, "read_file") << "a property called name is not the tool's";
  EXPECT_EQ(parts[1].name, "run_command");
  EXPECT_EQ(nlohmann::json::parse(parts[0].json)["function"]["name"], "read_file");
  EXPECT_TRUE(parts[1].json.starts_with("{\"function\"") && parts[1].json.ends_with("}"));
  EXPECT_TRUE(split_tools("").empty());
  EXPECT_TRUE(split_tools("[]").empty());
}

TEST(PromptCacheTest, PrefixHashesAgreeExactlyWhereMessagesDo) {
  auto a = chat_of(3);
  auto b = chat_of(3);
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(a.prefix_hash(i), b.prefix_hash(i));
  conversation c;
  c.append(a.messages()[0]);
  c.append({"assistant", "something else", "", {}, "", {}});
  c.append(a.messages()[2]);
  EXPECT_EQ(c.prefix_hash(0), a.prefix_hash(0));
  EXPECT_NE(c.prefix_hash(1), a.prefix_hash(1));
  EXPECT_NE(c.prefix_hash(2), a.prefix_hash(2)) << "a chained hash stays different after a change";
  EXPECT_EQ(a.message_end(a.size() - 1), a.json_items().size());
}

TEST(PromptCacheTest, ShapeCutsTheRequestInOrderAndPlacesTheCachedPrefix) {
  auto conv = chat_of(4);
  std::string system(800, 's');
  model_request req{system, conv, tools_json};
  auto shape = shape_of(req, 6);
  ASSERT_EQ(shape.segments.size(), 5u);
  EXPECT_EQ(shape.segments[0].kind, segment_kind::tool);
  EXPECT_EQ(shape.segments[0].name, "read_file");
  EXPECT_EQ(shape.segments[1].name, "run_command");
  EXPECT_EQ(shape.segments[2].kind, segment_kind::system);
  EXPECT_EQ(shape.segments[2].bytes, 800u);
  EXPECT_EQ(shape.segments[2].tokens, 200u) << "an estimate: 4 bytes a token";
  EXPECT_EQ(shape.segments[3].kind, segment_kind::history);
  EXPECT_EQ(shape.segments[3].messages, 6u);
  EXPECT_EQ(shape.segments[3].hash, conv.prefix_hash(5));
  EXPECT_EQ(shape.segments[4].kind, segment_kind::fresh);
  EXPECT_EQ(shape.segments[4].messages, 2u);
  EXPECT_EQ(shape.segments[3].bytes + shape.segments[4].bytes, conv.json_items().size())
    << "history and new cover the conversation";

  // The provider served everything up to the history's end from its cache.
  uint64_t total = 0;
  for (const auto& s : shape.segments)
    total += s.bytes;
  auto upto_history = total - shape.segments[4].bytes;
  token_usage u;
  u.prompt = total; // the provider's count; only the ratio matters
  u.cache_hit = upto_history;
  place_cached(shape, u);
  EXPECT_EQ(shape.stop, 4u) << "the cached prefix stopped in the new messages";
  EXPECT_EQ(shape.segments[2].cached_tokens, shape.segments[2].tokens);
  EXPECT_EQ(shape.segments[3].cached_tokens, shape.segments[3].tokens);
  EXPECT_EQ(shape.segments[4].cached_tokens, 0u);
  EXPECT_NEAR(shape.hit_rate(), static_cast<double>(u.cache_hit) / static_cast<double>(u.prompt),
              1e-9);

  u.cache_hit = 0;
  place_cached(shape, u);
  EXPECT_EQ(shape.stop, 0u);
  u.cache_hit = u.prompt;
  place_cached(shape, u);
  EXPECT_EQ(shape.stop, shape.segments.size()) << "all of it cached";
}

TEST(PromptCacheTest, TheBreakRuleHoldsForLongAndShortPrompts) {
  EXPECT_TRUE(is_break(100000, 90000)) << "2,000 or more, to under 95 %";
  EXPECT_FALSE(is_break(100000, 96000));
  EXPECT_FALSE(is_break(100000, 98500)) << "under 2,000 on a long prompt";
  EXPECT_TRUE(is_break(1024, 0)) << "a short prompt's whole cache";
  EXPECT_TRUE(is_break(1500, 1000));
  EXPECT_FALSE(is_break(640, 512)) << "one step of 128 to 80 % is not yet a break";
  EXPECT_FALSE(is_break(100, 0)) << "under 128 tokens is noise";
  EXPECT_FALSE(is_break(5000, 6000));
}

struct two_calls {
  conversation conv = chat_of(3);
  std::string system = "You are BooCode.";
  std::string tools = tools_json;
  prior_call first() {
    prior_call p;
    p.fingerprint = fingerprint_of("deepseek-chat", {system, conv, tools});
    p.cached_tokens = 5000;
    p.finished_us = 1'000'000'000;
    p.trace_id = "t1";
    return p;
  }
};

TEST(PromptCacheTest, NamesEachCauseOfABreak) {
  two_calls c;
  auto prev = c.first();
  auto started = prev.finished_us + 30'000'000; // 30 s later
  auto now = [&](const std::string& model, const std::string& system, const std::string& tools,
                 const conversation& conv) {
    return find_break(prev, fingerprint_of(model, {system, conv, tools}), 0, started, 300s);
  };

  auto b = now("deepseek-reasoner", c.system, c.tools, c.conv);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->causes.front(), break_cause::model_changed);
  EXPECT_EQ(b->previous_model, "deepseek-chat");
  EXPECT_EQ(b->previous_call, "t1");

  b = now("deepseek-chat", c.system + " Today is Monday.", c.tools, c.conv);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->causes, std::vector{break_cause::system_changed});

  auto parts = split_tools(c.tools);
  std::string reordered = "[" + std::string(parts[1].json) + "," + std::string(parts[0].json) + "]";
  b = now("deepseek-chat", c.system, reordered, c.conv);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->causes.front(), break_cause::tools_changed);
  EXPECT_TRUE(b->tools_reordered);
  EXPECT_TRUE(b->tools_added.empty() && b->tools_removed.empty() && b->tools_changed.empty());

  std::string fewer = "[" + std::string(parts[1].json) + "]";
  b = now("deepseek-chat", c.system, fewer, c.conv);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->tools_removed, std::vector<std::string>{"read_file"});
  EXPECT_FALSE(b->tools_reordered);

  std::string changed = c.tools;
  changed.replace(changed.find("runs"), 4, "executes");
  b = now("deepseek-chat", c.system, changed, c.conv);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->tools_changed, std::vector<std::string>{"run_command"});

  conversation rewritten;
  for (size_t i = 0; i < c.conv.size(); ++i)
    rewritten.append(i == 3 ? chat_message{"assistant", "edited", "", {}, "", {}}
                            : c.conv.messages()[i]);
  b = now("deepseek-chat", c.system, c.tools, rewritten);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->causes, std::vector{break_cause::history_rewritten});
  EXPECT_EQ(b->from_message, 3u);

  conversation shorter{{c.conv.messages().begin(), c.conv.messages().begin() + 2}};
  b = now("deepseek-chat", c.system, c.tools, shorter);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->from_message, 2u) << "a shortened history counts from where it ends";

  // Nothing changed: the provider dropped it, early or after its TTL.
  auto longer = c.conv;
  longer.append({"user", "and then?", "", {}, "", {}});
  b = now("deepseek-chat", c.system, c.tools, longer);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->causes, std::vector{break_cause::evicted});
  EXPECT_NEAR(b->idle_s, 30, 1e-6);
  started = prev.finished_us + 600'000'000;
  b = now("deepseek-chat", c.system, c.tools, longer);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->causes, std::vector{break_cause::expired});

  EXPECT_FALSE(find_break(prev, fingerprint_of("deepseek-chat", {c.system, longer, c.tools}), 5100,
                          started, 300s))
    << "more cached is no break";
}

TEST(PromptCacheTest, AStoredCallComesBackAsTheSameFingerprint) {
  two_calls c;
  auto prev = c.first();
  cache_report r;
  r.shape = shape_of({c.system, c.conv, c.tools}, 2);
  token_usage u;
  u.prompt = 900;
  u.cache_hit = 640;
  place_cached(r.shape, u);
  r.message_hashes = prev.fingerprint.messages;
  r.broke = find_break(prev, fingerprint_of("x", {c.system, c.conv, c.tools}), 0, 0, 300s);
  auto json = nlohmann::json::parse(protocol::prompt_cache_json(r));
  EXPECT_EQ(json["cached_tokens"], 640);
  EXPECT_EQ(json["segments"].size(), 5u);
  EXPECT_EQ(json["segments"][3]["kind"], "history");
  EXPECT_EQ(json["break"]["cause"], "model_changed");
  auto back = protocol::prior_call_from("deepseek-chat", json,
                                        protocol::message_hashes_text(r.message_hashes), 7, "t9");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->fingerprint, prev.fingerprint);
  EXPECT_EQ(back->cached_tokens, 640u);
  EXPECT_EQ(back->trace_id, "t9");
  EXPECT_FALSE(protocol::prior_call_from("m", nlohmann::json::object(), "", 0, ""));
}

TEST(PromptCacheTest, PricesComeFromTheShippedTableByName) {
  auto t = price_table::shipped();
  EXPECT_GT(t.size(), 10u);
  auto sonnet = t.of("claude-sonnet-4-5-20250929");
  EXPECT_EQ(sonnet.input, 3.0) << "the longest entry the name starts with";
  EXPECT_EQ(sonnet.cache_write, 3.75);
  EXPECT_EQ(t.of("gpt-4o-mini-2024-07-18").input, 0.15) << "not gpt-4o's";
  EXPECT_EQ(t.of("openai/gpt-4.1").input, 2.0) << "after a vendor prefix";
  EXPECT_FALSE(t.of("my-local-llama").known());

  token_usage u;
  u.prompt = 1'000'000;
  u.cache_hit = 600'000;
  u.cache_write = 300'000;
  u.completion = 100'000;
  // 100k plain input, 600k read, 300k written, 100k out.
  EXPECT_NEAR(sonnet.cost(u), 0.1 * 3 + 0.6 * 0.3 + 0.3 * 3.75 + 0.1 * 15, 1e-9);

  EXPECT_FALSE(t.add_json(R"({"mine": {"input": 1, "output": 2}, "_note": "x"})"));
  EXPECT_EQ(t.of("mine").output, 2.0);
  EXPECT_TRUE(t.add_json("[1]"));
  EXPECT_TRUE(t.add_json(R"({"bad": {"input": -1}})"));
  EXPECT_TRUE(t.add_json(R"({"bad": {"input": "cheap"}})"));
  EXPECT_FALSE(t.of("bad").known()) << "a table with an error adds nothing";
}

} // namespace
} // namespace boocode::model
