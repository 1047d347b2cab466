#include <gtest/gtest.h>

#include "runtime/workflow/structured_answer.hpp"

using namespace boocode::workflow;
using json = nlohmann::json;

namespace {

const json review_schema = json::parse(R"({
  "type": "object",
  "properties": {
    "summary": { "type": "string", "minLength": 1 },
    "findings": { "type": "array", "maxItems": 3, "items": {
      "type": "object",
      "properties": { "severity": { "enum": ["high", "low"] }, "line": { "type": "integer", "minimum": 1 } },
      "required": ["severity"], "additionalProperties": false } }
  },
  "required": ["summary", "findings"]
})");

} // namespace

TEST(StructuredAnswerTest, FindsTheObjectInAModelsAnswer) {
  EXPECT_EQ(extract_object(R"({"a": 1})"), json::parse(R"({"a":1})"));
  EXPECT_EQ(extract_object("Here it is:\n```json\n{\"a\": [1, 2]}\n```\nDone."),
            json::parse(R"({"a":[1,2]})"));
  EXPECT_EQ(extract_object("The result is {\"ok\": true} as asked."),
            json::parse(R"({"ok":true})"));
  EXPECT_FALSE(extract_object("no object here").has_value());
  EXPECT_FALSE(extract_object("[1, 2]").has_value());
  EXPECT_FALSE(extract_object("{broken").has_value());
}

TEST(StructuredAnswerTest, AcceptsWhatMatchesAndNamesWhereItDoesNot) {
  EXPECT_FALSE(schema_mismatch(
    review_schema,
    json::parse(R"({"summary": "fine", "findings": [{"severity": "high", "line": 3}]})")));
  EXPECT_EQ(schema_mismatch(review_schema, json::parse(R"({"findings": []})")),
            R"($: the required field "summary" is missing)");
  EXPECT_EQ(schema_mismatch(
              review_schema,
              json::parse(
                R"({"summary": "s", "findings": [{"severity": "high"}, {"severity": "medium"}]})")),
            R"($.findings[1].severity: expected one of ["high","low"])");
  EXPECT_EQ(schema_mismatch(
              review_schema,
              json::parse(R"({"summary": "s", "findings": [{"severity": "low", "line": 2.5}]})")),
            R"($.findings[0].line: expected "integer" but found number)");
  EXPECT_EQ(schema_mismatch(
              review_schema,
              json::parse(R"({"summary": "s", "findings": [{"severity": "low", "extra": 1}]})")),
            R"($.findings[0]: the field "extra" is not allowed)");
  EXPECT_EQ(schema_mismatch(review_schema, json::parse(R"({"summary": "", "findings": []})")),
            "$.summary: shorter than 1 characters");
  EXPECT_EQ(
    schema_mismatch(review_schema, json::parse(R"({"summary": "s", "findings": [{"severity": "low"},
                              {"severity": "low"}, {"severity": "low"}, {"severity": "low"}]})")),
    "$.findings: more than 3 items");
  EXPECT_EQ(schema_mismatch(json::parse(R"({"type": ["string", "null"]})"), json(4)),
            R"($: expected ["string","null"] but found number)");
  EXPECT_FALSE(schema_mismatch(
    json::parse(R"({"anyOf": [{"type": "string"}, {"type": "integer"}]})"), json(4)));
}

TEST(StructuredAnswerTest, ASchemasRootMustBeAnObject) {
  EXPECT_FALSE(schema_problem(review_schema));
  EXPECT_TRUE(schema_problem(json::parse(R"({"type": "array"})")));
  EXPECT_TRUE(schema_problem(json("object")));
}

TEST(StructuredAnswerTest, TheRetryNamesTheMismatchAndRepeatsTheSchema) {
  const auto text = retry_prompt("$.summary: missing", review_schema);
  EXPECT_NE(text.find("$.summary: missing"), std::string::npos);
  EXPECT_NE(text.find("\"findings\""), std::string::npos);
  EXPECT_NE(schema_instructions(review_schema).find("JSON Schema"), std::string::npos);
}
