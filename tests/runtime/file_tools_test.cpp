#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/tools/file_tools.hpp"
#include "tests/runtime/tool_test_support.hpp"

using namespace boocode;
using namespace boocode::tools;
namespace fs = std::filesystem;
using ::testing::HasSubstr;

class FileToolsTest : public test::WorkspaceTest {};

TEST_F(FileToolsTest, ReadFileReturnsTheText) {
  put("src/a.txt", "line one\nline two\n");
  auto r = read_file(ctx_, "src/a.txt");
  EXPECT_TRUE(r.ok()) << r.text;
  EXPECT_EQ(r.text, "line one\nline two\n");
  EXPECT_TRUE(r.read_only);
  EXPECT_FALSE(r.truncated);
}

TEST_F(FileToolsTest, ReadFileErrors) {
  put("dir/x.txt", "x");
  put("bin.dat", std::string("ELF\0\1\2", 6));
  put("big.txt", std::string(100, 'a'));
  ctx_.limits.max_read_bytes = 50;
  auto missing = read_file(ctx_, "nope.txt");
  EXPECT_EQ(missing.outcome, tool_outcome::error);
  EXPECT_EQ(missing.text, "file not found: nope.txt");
  EXPECT_THAT(read_file(ctx_, "dir").text, HasSubstr("dir is a directory"));
  auto binary = read_file(ctx_, "bin.dat");
  EXPECT_FALSE(binary.ok());
  EXPECT_THAT(binary.text, HasSubstr("binary"));
  auto big = read_file(ctx_, "big.txt");
  EXPECT_FALSE(big.ok());
  EXPECT_THAT(big.text, HasSubstr("too large"));
  EXPECT_THAT(big.text, HasSubstr("100 bytes"));
  EXPECT_TRUE(big.read_only);
}

TEST_F(FileToolsTest, ReadFileRefusesEscapes) {
  test::WorkspaceTest::write(outside_ / "secret.txt", "secret");
  fs::create_symlink(outside_ / "secret.txt", ws_ / "link.txt");
  for (auto path : {std::string("../x"), std::string("/etc/passwd"), std::string("link.txt"),
                    (outside_ / "secret.txt").string()}) {
    auto r = read_file(ctx_, path);
    EXPECT_EQ(r.outcome, tool_outcome::denied) << path;
    EXPECT_THAT(r.text, HasSubstr("path escapes the workspace")) << path;
  }
}

TEST_F(FileToolsTest, ReadFileReplacesInvalidUtf8AndMarksEmptyFiles) {
  put("latin1.txt", "caf\xE9\n");
  put("empty.txt", "");
  EXPECT_EQ(read_file(ctx_, "latin1.txt").text, "caf\xEF\xBF\xBD\n");
  EXPECT_EQ(read_file(ctx_, "empty.txt").text, "[empty file]");
}

TEST_F(FileToolsTest, WriteFileCreatesParentDirectories) {
  auto r = write_file(ctx_, "a/b/c.txt", "hello\n");
  ASSERT_TRUE(r.ok()) << r.text;
  EXPECT_FALSE(r.read_only);
  EXPECT_EQ(r.text, "created a/b/c.txt (6 bytes)");
  EXPECT_EQ(get("a/b/c.txt"), "hello\n");
  r = write_file(ctx_, "a/b/c.txt", "bye\n");
  EXPECT_EQ(r.text, "wrote a/b/c.txt (4 bytes)");
  EXPECT_EQ(get("a/b/c.txt"), "bye\n");
  // No temporary file is left beside it.
  EXPECT_EQ(std::distance(fs::directory_iterator(ws_ / "a/b"), fs::directory_iterator()), 1);
}

TEST_F(FileToolsTest, WriteFileKeepsPermissions) {
  put("run.sh", "#!/bin/sh\n");
  fs::permissions(ws_ / "run.sh", fs::perms(0750));
  ASSERT_TRUE(write_file(ctx_, "run.sh", "#!/bin/sh\necho hi\n").ok());
  EXPECT_EQ(fs::status(ws_ / "run.sh").permissions() & fs::perms::mask, fs::perms(0750));
}

TEST_F(FileToolsTest, WriteFileRefusesEscapesAndTouchesNothing) {
  fs::create_directory_symlink(outside_.path(), ws_ / "out");
  fs::create_symlink(outside_ / "dangling.txt", ws_ / "dangling");
  auto escape_name = "../" + outside_.path().filename().string() + "/x.txt";
  for (auto path : {escape_name, std::string("out/x.txt"), std::string("out/new/x.txt"),
                    std::string("dangling"), (outside_ / "x.txt").string()}) {
    auto r = write_file(ctx_, path, "pwned");
    EXPECT_EQ(r.outcome, tool_outcome::denied) << path;
    EXPECT_THAT(r.text, HasSubstr("path escapes the workspace")) << path;
  }
  EXPECT_TRUE(fs::is_empty(outside_.path()));
}

TEST_F(FileToolsTest, WriteFileErrors) {
  fs::create_directories(ws_ / "dir");
  put("file.txt", "x");
  EXPECT_THAT(write_file(ctx_, "dir", "x").text, HasSubstr("dir is a directory"));
  auto under_file = write_file(ctx_, "file.txt/inner.txt", "x");
  EXPECT_FALSE(under_file.ok());
  EXPECT_THAT(under_file.text, HasSubstr("cannot create the directory file.txt"));
  ctx_.limits.max_write_bytes = 3;
  auto big = write_file(ctx_, "big.txt", "abcd");
  EXPECT_THAT(big.text, HasSubstr("too large"));
  EXPECT_FALSE(fs::exists(ws_ / "big.txt"));
}

TEST_F(FileToolsTest, EditFileReplacesTheOneMatch) {
  put("a.cpp", "int f() {\n  return 1;\n}\n");
  auto r = edit_file(ctx_, "a.cpp", "return 1;", "return 2;");
  ASSERT_TRUE(r.ok()) << r.text;
  EXPECT_FALSE(r.read_only);
  EXPECT_EQ(r.text, "edited a.cpp at line 2");
  EXPECT_EQ(get("a.cpp"), "int f() {\n  return 2;\n}\n");
}

TEST_F(FileToolsTest, EditFileWithNoMatchLeavesTheFileUnchanged) {
  put("a.txt", "alpha beta\n");
  auto r = edit_file(ctx_, "a.txt", "gamma", "delta");
  EXPECT_EQ(r.outcome, tool_outcome::error);
  EXPECT_THAT(r.text, HasSubstr("(0 matches)"));
  EXPECT_THAT(r.text, HasSubstr("nothing was written"));
  EXPECT_EQ(get("a.txt"), "alpha beta\n");
}

TEST_F(FileToolsTest, EditFileWithTwoMatchesLeavesTheFileUnchanged) {
  put("a.txt", "x = 1;\ny = 2;\nx = 1;\n");
  auto r = edit_file(ctx_, "a.txt", "x = 1;", "x = 3;");
  EXPECT_EQ(r.outcome, tool_outcome::error);
  EXPECT_THAT(r.text, HasSubstr("matches 2 times"));
  EXPECT_EQ(get("a.txt"), "x = 1;\ny = 2;\nx = 1;\n");
  // Overlapping occurrences count too: "aa" is ambiguous in "aaa".
  put("b.txt", "aaa");
  EXPECT_THAT(edit_file(ctx_, "b.txt", "aa", "b").text, HasSubstr("matches 2 times"));
  EXPECT_EQ(get("b.txt"), "aaa");
}

TEST_F(FileToolsTest, EditFileErrors) {
  put("a.txt", "abc");
  EXPECT_THAT(edit_file(ctx_, "a.txt", "", "x").text, HasSubstr("old_string is empty"));
  EXPECT_THAT(edit_file(ctx_, "a.txt", "abc", "abc").text, HasSubstr("the same"));
  EXPECT_EQ(edit_file(ctx_, "missing.txt", "a", "b").text, "file not found: missing.txt");
  EXPECT_THAT(edit_file(ctx_, "../a.txt", "a", "b").text, HasSubstr("path escapes the workspace"));
  EXPECT_EQ(get("a.txt"), "abc");
}

TEST_F(FileToolsTest, ListDirShowsSortedTypedEntries) {
  put("b.txt", "12345");
  put("a.txt", "");
  fs::create_directories(ws_ / "src");
  fs::create_symlink("b.txt", ws_ / "link");
  auto r = list_dir(ctx_, ".");
  ASSERT_TRUE(r.ok()) << r.text;
  EXPECT_TRUE(r.read_only);
  EXPECT_EQ(r.text, "file  a.txt  (0 bytes)\n"
                    "file  b.txt  (5 bytes)\n"
                    "symlink  link -> b.txt\n"
                    "dir  src/\n");
  EXPECT_EQ(list_dir(ctx_, "src").text, "[empty directory]");
}

TEST_F(FileToolsTest, ListDirIsBounded) {
  for (int i = 0; i < 12; ++i)
    put("f" + std::to_string(10 + i), "");
  ctx_.limits.max_list_entries = 5;
  auto r = list_dir(ctx_, "");
  EXPECT_TRUE(r.truncated);
  EXPECT_THAT(r.text, HasSubstr("file  f14  (0 bytes)\n[7 more entries not shown; 12 in all]"));
  EXPECT_THAT(r.text, ::testing::Not(HasSubstr("f15")));
}

TEST_F(FileToolsTest, ListDirErrors) {
  put("a.txt", "x");
  fs::create_directory_symlink("/etc", ws_ / "etc");
  EXPECT_THAT(list_dir(ctx_, "a.txt").text, HasSubstr("a.txt is not a directory"));
  EXPECT_EQ(list_dir(ctx_, "nope").text, "directory not found: nope");
  EXPECT_THAT(list_dir(ctx_, "etc").text, HasSubstr("path escapes the workspace"));
  EXPECT_THAT(list_dir(ctx_, "/").text, HasSubstr("path escapes the workspace"));
}
