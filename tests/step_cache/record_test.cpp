#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "runtime/step_cache/record.hpp"

using namespace boocode::step_cache;

TEST(StepRecordTest, RoundTripsThroughJsonWithBinaryContent) {
  step_record r;
  r.reads.push_back({"a.txt", std::string(64, 'a')});
  r.lists.push_back({"src", std::string(64, 'b')});
  r.searches.push_back({".", "needle", 3, false, std::string(64, 'c')});
  r.writes.push_back({"out.txt", "", std::string(64, 'd'), "hello\n"});
  r.writes.push_back(
    {"img.bin", std::string(64, 'e'), std::string(64, 'f'), std::string("\x89PNG\0\xff", 6)});
  r.writes.push_back({"gone.txt", std::string(64, 'g'), "", std::nullopt});
  r.found = manifest{{"a.txt", "0123456789abcdef"}};
  auto j = to_json(r);
  EXPECT_TRUE(j["writes"][0]["content"].contains("text"));
  EXPECT_TRUE(j["writes"][1]["content"].contains("base64"));
  auto back = record_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(to_json(back), j);
  ASSERT_EQ(back.writes.size(), 3U);
  EXPECT_EQ(back.writes[1].content, std::string("\x89PNG\0\xff", 6));
  EXPECT_FALSE(back.writes[2].content.has_value());
  EXPECT_EQ(back.bytes(), 7U + 6 + 7 + 6 + 8);
  EXPECT_FALSE(back.left.has_value());
}

TEST(StepRecordTest, RefusesJsonThatIsNotARecord) {
  EXPECT_THROW(record_from_json(nlohmann::json::object()), std::invalid_argument);
  EXPECT_THROW(record_from_json({{"reads", 3}}), std::invalid_argument);
}

TEST(StepRecordTest, NamesHashIgnoresOrder) {
  EXPECT_EQ(names_hash({"b", "a"}), names_hash({"a", "b"}));
  EXPECT_NE(names_hash({"a"}), names_hash({"a", "b"}));
}
