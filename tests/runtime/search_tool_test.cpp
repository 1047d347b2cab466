#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/tools/search_tool.hpp"
#include "tests/runtime/tool_test_support.hpp"

using namespace boocode;
using namespace boocode::tools;
namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class SearchToolTest : public test::WorkspaceTest {};

TEST_F(SearchToolTest, ReturnsPathLineAndTextInPathOrder) {
  put("src/b.cpp", "int main() {\n  return helper();\n}\n");
  put("src/a.cpp", "int helper() { return 1; }\r\n");
  put("README.md", "call helper() first\n");
  auto r = search(ctx_, R"(helper\(\))");
  ASSERT_TRUE(r.ok()) << r.text;
  EXPECT_TRUE(r.read_only);
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(r.text, "README.md:1: call helper() first\n"
                    "src/a.cpp:1: int helper() { return 1; }\n"
                    "src/b.cpp:2:   return helper();\n");
}

TEST_F(SearchToolTest, PathNarrowsTheSearchAndResultsStayWorkspaceRelative) {
  put("src/a.cpp", "needle\n");
  put("docs/a.md", "needle\n");
  EXPECT_EQ(search(ctx_, "needle", "src").text, "src/a.cpp:1: needle\n");
  EXPECT_EQ(search(ctx_, "needle", "docs/a.md").text, "docs/a.md:1: needle\n");
}

TEST_F(SearchToolTest, SkipsVcsDependencyBuildDirsAndBinaryFiles) {
  put("src/a.cpp", "needle\n");
  put(".git/config", "needle\n");
  put("node_modules/x/index.js", "needle\n");
  put("build/gen.cpp", "needle\n");
  put("build-sanitize/gen.cpp", "needle\n");
  put("lib/tool.bin", std::string("needle\0\1", 8));
  EXPECT_EQ(search(ctx_, "needle").text, "src/a.cpp:1: needle\n");
}

TEST_F(SearchToolTest, DoesNotFollowSymlinksOut) {
  test::WorkspaceTest::write(outside_ / "secret.txt", "needle\n");
  fs::create_directory_symlink(outside_.path(), ws_ / "out");
  fs::create_symlink(outside_ / "secret.txt", ws_ / "secret.txt");
  auto r = search(ctx_, "needle");
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(r.text, HasSubstr("no matches"));
  EXPECT_THAT(search(ctx_, "needle", "out").text, HasSubstr("path escapes the workspace"));
  EXPECT_THAT(search(ctx_, "needle", "..").text, HasSubstr("path escapes the workspace"));
}

TEST_F(SearchToolTest, StopsAtTheMatchLimitWithANote) {
  std::string many;
  for (int i = 0; i < 10; ++i)
    many += "match " + std::to_string(i) + "\n";
  put("a.txt", many);
  ctx_.limits.max_search_matches = 3;
  auto r = search(ctx_, "match");
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.text, "a.txt:1: match 0\na.txt:2: match 1\na.txt:3: match 2\n"
                    "[search stopped at 3 matches; narrow the pattern or the path]\n");
}

TEST_F(SearchToolTest, StopsAtTheFileLimitWithANote) {
  for (int i = 0; i < 5; ++i)
    put("f" + std::to_string(i) + ".txt", "needle\n");
  ctx_.limits.max_search_files = 2;
  auto r = search(ctx_, "needle");
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(
    r.text,
    "f0.txt:1: needle\nf1.txt:1: needle\n[search stopped after 2 files; narrow the path]\n");
}

TEST_F(SearchToolTest, ClipsLongLinesAndSurvivesHugeOnes) {
  put("min.js", "needle" + std::string(1000, 'x') + "\n");
  put("huge.js", std::string(1 << 20, 'y') + "\n");
  auto r = search(ctx_, "needle");
  EXPECT_EQ(r.text, "min.js:1: needle" + std::string(300 - 6, 'x') + " [...]\n");
  // A pattern that recurses per character on a 1 MiB line must not crash.
  EXPECT_TRUE(search(ctx_, "(y|z)*q").ok());
}

TEST_F(SearchToolTest, SkipsFilesOverTheSizeLimit) {
  put("big.txt", std::string(100, 'a') + "needle\n");
  ctx_.limits.max_search_file_bytes = 50;
  EXPECT_THAT(search(ctx_, "needle").text, HasSubstr("no matches"));
}

TEST_F(SearchToolTest, InvalidRegexIsAClearError) {
  put("a.txt", "x\n");
  auto r = search(ctx_, "foo(");
  EXPECT_EQ(r.outcome, tool_outcome::error);
  EXPECT_THAT(r.text, HasSubstr("invalid regular expression /foo(/"));
  EXPECT_THAT(search(ctx_, "").text, HasSubstr("pattern is empty"));
}

TEST_F(SearchToolTest, MissingPathIsAnError) {
  auto r = search(ctx_, "x", "nope");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.text, "path not found: nope");
}

TEST_F(SearchToolTest, RaisedCancelTokenStopsTheSearch) {
  put("a.txt", "needle\n");
  auto token = std::make_shared<cancel_token>();
  token->cancel();
  ctx_.cancel = token;
  auto r = search(ctx_, "needle");
  EXPECT_EQ(r.outcome, tool_outcome::cancelled);
  EXPECT_THAT(r.text, Not(HasSubstr("a.txt")));
}
