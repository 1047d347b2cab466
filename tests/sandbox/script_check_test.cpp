#include <gtest/gtest.h>

#include "runtime/sandbox/js_literal.hpp"
#include "runtime/sandbox/script_check.hpp"
#include "tests/sandbox/script_host.hpp"

namespace boocode::sandbox {
namespace {

script_problem problem_of(const std::string& source) {
  auto checked = testing::shared_engine().check("w.js", source);
  if (!std::holds_alternative<script_problem>(checked)) {
    ADD_FAILURE() << "accepted: " << source;
    return {};
  }
  return std::get<script_problem>(checked);
}

TEST(ScriptCheckTest, ReadsMetaAndKeepsLinesAndColumns) {
  const std::string source = R"(// A review.
export const meta = {
  name: 'multi-review',
  description: "Reviews the diff",
  phases: [{ title: 'Review', detail: `in parallel` }, { title: 'Merge', },],
  whenToUse: 'before a commit',
  args: { paths: ['src'], depth: 0x10, ratio: -1.5e1, big: 1_000 },
  concurrency: 4,
};
return args;
)";
  auto checked = check_script(source);
  ASSERT_TRUE(std::holds_alternative<checked_script>(checked))
    << std::get<script_problem>(checked).describe();
  const auto& ok = std::get<checked_script>(checked);
  EXPECT_EQ(ok.meta.name, "multi-review");
  EXPECT_EQ(ok.meta.description, "Reviews the diff");
  EXPECT_EQ(ok.meta.when_to_use, "before a commit");
  ASSERT_EQ(ok.meta.phases.size(), 2u);
  EXPECT_EQ(ok.meta.phases[0].detail, "in parallel");
  EXPECT_EQ(ok.meta.phases[1].title, "Merge");
  EXPECT_EQ(ok.meta.args,
            nlohmann::json::parse(R"({"paths":["src"],"depth":16,"ratio":-15,"big":1000})"));
  EXPECT_EQ(ok.meta.concurrency, 4);
  // `export` is blanked, nothing moves.
  EXPECT_EQ(ok.body.size(), source.size());
  EXPECT_NE(ok.body.find("\n       const meta = {"), std::string::npos);
}

TEST(ScriptCheckTest, RefusesAScriptWithoutMetaFirst) {
  auto p = problem_of("const x = 1;\nexport const meta = { name: 'a', description: 'b' };");
  EXPECT_EQ(p.at.line, 1);
  EXPECT_NE(p.message.find("export const meta"), std::string::npos);
  p = problem_of("export const meta = { description: 'b' };");
  EXPECT_NE(p.message.find("meta.name is required"), std::string::npos) << p.message;
}

TEST(ScriptCheckTest, RefusesAMetaThatIsNotAPlainLiteral) {
  auto p = problem_of("export const meta = {\n  name: 'a',\n  description: make(),\n};");
  EXPECT_EQ(p.at.line, 3);
  EXPECT_EQ(p.at.column, 16);
  EXPECT_NE(p.message.find("plain literal"), std::string::npos) << p.message;
  p = problem_of("export const meta = { name, description: 'b' };");
  EXPECT_NE(p.message.find("shorthand"), std::string::npos) << p.message;
  p = problem_of("export const meta = { name: `a${1}`, description: 'b' };");
  EXPECT_NE(p.message.find("substitutions"), std::string::npos) << p.message;
}

TEST(ScriptCheckTest, RefusesImportRequireAndExportNamingLineAndColumn) {
  auto p = problem_of(testing::script("const a = 1;\n  import fs from 'fs';"));
  EXPECT_EQ(p.describe().substr(0, 19), "line 3, column 3: `");
  EXPECT_NE(p.message.find("`import`"), std::string::npos);
  p = problem_of(testing::script("const m = await import('fs');"));
  EXPECT_EQ(p.at.line, 2);
  EXPECT_EQ(p.at.column, 17);
  p = problem_of(testing::script("const fs = require('fs');"));
  EXPECT_NE(p.message.find("`require`"), std::string::npos);
  EXPECT_EQ(p.at.column, 12);
  p = problem_of(testing::script("const t = `${require('fs')}`;"));
  EXPECT_NE(p.message.find("`require`"), std::string::npos);
  p = problem_of(testing::script("export function f() {}"));
  EXPECT_NE(p.message.find("`export`"), std::string::npos);
}

TEST(ScriptCheckTest, AcceptsTheseWordsInStringsCommentsRegexesAndAsProperties) {
  const auto source = testing::script(R"(// import this, require('that')
/* import x from 'y' */
const a = "import 'x'";
const b = `require('fs') ${'import'}`;
const c = /"import"/.test(a) ? x => x / 2 : 0;
const d = { import: 1, require: 2 };
const e = d.import + d.require;
return [a, b, e];)");
  auto checked = testing::shared_engine().check("w.js", source);
  EXPECT_TRUE(std::holds_alternative<checked_script>(checked))
    << std::get<script_problem>(checked).describe();
}

TEST(ScriptCheckTest, TypeScriptIsASyntaxErrorWithLineAndColumn) {
  auto p = problem_of(testing::script("const ok = 1;\nconst n: number = 2;"));
  EXPECT_EQ(p.at.line, 3);
  EXPECT_EQ(p.at.column, 7);
  EXPECT_NE(p.message.find("SyntaxError"), std::string::npos) << p.message;
  p = problem_of(testing::script("interface Point { x: number }"));
  EXPECT_EQ(p.at.line, 2);
}

TEST(ScriptCheckTest, UnterminatedTextIsRefusedWhereItStarts) {
  auto p = problem_of(testing::script("const a = 1;\nconst s = 'open;"));
  EXPECT_EQ(p.at.line, 3);
  EXPECT_EQ(p.at.column, 11);
  EXPECT_NE(p.message.find("unterminated string"), std::string::npos);
  p = problem_of(testing::script("/* never closed"));
  EXPECT_NE(p.message.find("unterminated comment"), std::string::npos);
}

TEST(ScriptCheckTest, RefusesAnOversizedScript) {
  const auto p = problem_of(testing::script(std::string(max_script_bytes, ' ')));
  EXPECT_NE(p.message.find("at most"), std::string::npos);
}

TEST(JsLiteralTest, ReadsNestedLiteralsAndStopsAfterThem) {
  const auto tokens = tokenize(R"({a: [1, 'two', {b: null, 'c-d': true}], "e": "\u00e9\n"} rest)");
  std::size_t i = 0;
  const auto value = read_literal(tokens, i);
  EXPECT_EQ(value, nlohmann::json::parse(R"({"a":[1,"two",{"b":null,"c-d":true}],"e":"é\n"})"));
  ASSERT_LT(i, tokens.size());
  EXPECT_EQ(tokens[i].text, "rest");
}

} // namespace
} // namespace boocode::sandbox
