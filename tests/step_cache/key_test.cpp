#include <vector>

#include <gtest/gtest.h>

#include "runtime/digest.hpp"
#include "runtime/step_cache/key.hpp"

using namespace boocode;
using namespace boocode::step_cache;
using json = nlohmann::json;

namespace {

const step_context ctx{"deepseek-chat", "You are a helper.", {"read_file", "search"}, "/w"};

} // namespace

TEST(StepCacheKeyTest, LabelAndPhaseDoNotCountButEverythingThatShapesTheWorkDoes) {
  auto base = key_spec({{"prompt", "review a.c"}}, ctx);
  EXPECT_EQ(spec_digest(key_spec({{"prompt", "review a.c"}, {"label", "x"}, {"phase", "p"}}, ctx)),
            spec_digest(base));
  EXPECT_EQ(base["model"], "deepseek-chat");
  EXPECT_EQ(base["tools"], json::array({"read_file", "search"}));

  auto other = key_spec({{"prompt", "review b.c"}}, ctx);
  EXPECT_NE(spec_digest(other), spec_digest(base));
  EXPECT_EQ(changed_field(base, other), "prompt");
  EXPECT_EQ(changed_field(base, key_spec({{"prompt", "review a.c"}, {"maxTurns", 3}}, ctx)),
            "maxTurns");
  EXPECT_EQ(changed_field(base, key_spec({{"prompt", "review a.c"}, {"model", "o3"}}, ctx)),
            "model");
  auto elsewhere = ctx;
  elsewhere.workspace = "/v";
  EXPECT_EQ(changed_field(base, key_spec({{"prompt", "review a.c"}}, elsewhere)), "workspace");
  auto prompted = ctx;
  prompted.system_prompt = "You are terse.";
  EXPECT_EQ(changed_field(base, key_spec({{"prompt", "review a.c"}}, prompted)), "system");
  EXPECT_EQ(changed_field(base, base), "");
}

TEST(StepCacheKeyTest, IdenticalCallsAreKeyedByOccurrence) {
  auto d = spec_digest(key_spec({{"prompt", "vote"}}, ctx));
  EXPECT_NE(cache_key(d, 0), cache_key(d, 1));
  EXPECT_EQ(cache_key(d, 1), cache_key(d, 1));
  EXPECT_EQ(cache_key(d, 0).size(), 64U);
}

TEST(DigestTest, HashesInPartsAsAtOnceAndBase64RoundTrips) {
  EXPECT_EQ(sha256{}.update("ab").update("c").hex(), sha256_hex("abc"));
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", std::string("\0\xff\x10", 3)}) {
    auto text = base64_encode(s);
    EXPECT_EQ(text.size() % 4, 0U);
    EXPECT_EQ(base64_decode(text), s) << text;
  }
  EXPECT_EQ(base64_encode("abcd"), "YWJjZA==");
  EXPECT_FALSE(base64_decode("abc").has_value());
  EXPECT_FALSE(base64_decode("a!c=").has_value());
}
