// One normalisation rule for the providers' usage fields (runtime/model/usage.hpp).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/model/usage.hpp"
#include "runtime/protocol/records.hpp"

using boocode::model::normalise_usage;
using boocode::model::token_usage;
using boocode::protocol::to_json;
using boocode::protocol::usage_from_json;
using nlohmann::json;

TEST(UsageTest, DeepSeekHitPlusMissIsPrompt) {
  auto u = normalise_usage({{"prompt_tokens", 1000},
                            {"completion_tokens", 200},
                            {"prompt_cache_hit_tokens", 768},
                            {"prompt_cache_miss_tokens", 232},
                            {"completion_tokens_details", {{"reasoning_tokens", 150}}}});
  EXPECT_EQ(u.prompt, 1000u);
  EXPECT_EQ(u.cache_hit, 768u);
  EXPECT_EQ(u.cache_miss, 232u);
  EXPECT_EQ(u.completion, 200u);
  EXPECT_EQ(u.reasoning, 150u);
  EXPECT_EQ(u.cache_write, 0u);
}

TEST(UsageTest, DeepSeekWithoutPromptTokensSumsHitAndMiss) {
  auto u = normalise_usage({{"prompt_cache_hit_tokens", 10}, {"prompt_cache_miss_tokens", 5}});
  EXPECT_EQ(u.prompt, 15u);
}

TEST(UsageTest, OpenAiCachedIsPartOfPrompt) {
  auto u = normalise_usage({{"prompt_tokens", 2006},
                            {"completion_tokens", 300},
                            {"prompt_tokens_details", {{"cached_tokens", 1920}}},
                            {"completion_tokens_details", {{"reasoning_tokens", 256}}}});
  EXPECT_EQ(u.prompt, 2006u);
  EXPECT_EQ(u.cache_hit, 1920u);
  EXPECT_EQ(u.cache_miss, 86u);
  EXPECT_EQ(u.reasoning, 256u);
}

TEST(UsageTest, LocalServersWithoutCacheFieldsMissEverything) {
  auto u = normalise_usage({{"prompt_tokens", 40}, {"completion_tokens", 7}, {"total_tokens", 47}});
  EXPECT_EQ(u.cache_hit, 0u);
  EXPECT_EQ(u.cache_miss, 40u);
  EXPECT_TRUE(u.reported);
}

TEST(UsageTest, AnthropicInputExcludesCacheReadAndWrite) {
  auto u = normalise_usage({{"input_tokens", 50},
                            {"cache_read_input_tokens", 1000},
                            {"cache_creation_input_tokens", 200},
                            {"output_tokens", 80}});
  EXPECT_EQ(u.prompt, 1250u);
  EXPECT_EQ(u.cache_hit, 1000u);
  EXPECT_EQ(u.cache_write, 200u);
  EXPECT_EQ(u.cache_miss, 250u);
  EXPECT_EQ(u.completion, 80u);
}

TEST(UsageTest, GarbageCountsAsZeroNotACrash) {
  EXPECT_FALSE(normalise_usage(nullptr).reported);
  EXPECT_FALSE(normalise_usage("text").reported);
  auto u = normalise_usage({{"prompt_tokens", "many"},
                            {"completion_tokens", -5},
                            {"prompt_tokens_details", {{"cached_tokens", 99999}}}});
  EXPECT_EQ(u.prompt, 0u);
  EXPECT_EQ(u.completion, 0u);
  EXPECT_EQ(u.cache_hit, 0u); // never more than the prompt
}

TEST(UsageTest, SumsAcrossCalls) {
  auto a = normalise_usage({{"prompt_tokens", 10}, {"completion_tokens", 1}});
  a += normalise_usage({{"prompt_tokens", 20}, {"completion_tokens", 2}});
  EXPECT_EQ(a.prompt, 30u);
  EXPECT_EQ(a.completion, 3u);
  EXPECT_EQ(to_json(a)["cache_miss"], 30);
}

TEST(UsageTest, StoredUsageReadsBack) {
  token_usage u{1000, 800, 200, 40, 50, 20, true};
  EXPECT_EQ(usage_from_json(to_json(u)), u);
  auto unreported = to_json(token_usage{});
  unreported["reported"] = false;
  EXPECT_FALSE(usage_from_json(unreported).reported);
  EXPECT_EQ(usage_from_json(nlohmann::json{{"prompt", "many"}}).prompt, 0u);
  EXPECT_FALSE(usage_from_json(nlohmann::json::array()).reported);
}
