#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/tools/tool_result.hpp"
#include "runtime/tools/workspace_path.hpp"
#include "tests/runtime/tool_test_support.hpp"

using namespace boocode;
using namespace boocode::tools;
namespace fs = std::filesystem;
using ::testing::HasSubstr;

class WorkspacePathTest : public test::WorkspaceTest {
protected:
  /// The message resolve_workspace_path throws for `path`, or "" when it accepts it.
  std::string refusal(const std::string& path) {
    try {
      resolve_workspace_path(ws_.path(), path);
      return "";
    } catch (const tool_failure& e) {
      return e.what();
    }
  }
  fs::path root() const { return fs::canonical(ws_.path()); }
};

TEST_F(WorkspacePathTest, RelativeAndAbsolutePathsInsideResolve) {
  put("src/main.cpp", "int main() {}\n");
  auto rel = resolve_workspace_path(ws_.path(), "src/main.cpp");
  EXPECT_EQ(rel.absolute, root() / "src/main.cpp");
  EXPECT_EQ(rel.relative, "src/main.cpp");
  EXPECT_EQ(rel.root, root());
  auto abs = resolve_workspace_path(ws_.path(), (root() / "src/main.cpp").string());
  EXPECT_EQ(abs.absolute, rel.absolute);
  EXPECT_EQ(resolve_workspace_path(ws_.path(), "src/../src/./main.cpp").absolute, rel.absolute);
  EXPECT_EQ(resolve_workspace_path(ws_.path(), "").relative, ".");
  EXPECT_EQ(resolve_workspace_path(ws_.path(), ".").absolute, root());
}

TEST_F(WorkspacePathTest, APathThatDoesNotExistYetIsFine) {
  auto p = resolve_workspace_path(ws_.path(), "new/dir/file.txt");
  EXPECT_EQ(p.absolute, root() / "new/dir/file.txt");
  EXPECT_EQ(p.relative, "new/dir/file.txt");
}

TEST_F(WorkspacePathTest, DotDotOutIsRefused) {
  EXPECT_EQ(refusal("../x"), "path escapes the workspace: ../x");
  EXPECT_THAT(refusal("src/../../x"), HasSubstr("path escapes the workspace"));
  EXPECT_THAT(refusal("missing/../../x"), HasSubstr("path escapes the workspace"));
  EXPECT_THAT(refusal(".."), HasSubstr("path escapes the workspace"));
}

TEST_F(WorkspacePathTest, AbsolutePathOutsideIsRefused) {
  EXPECT_EQ(refusal("/etc/passwd"), "path escapes the workspace: /etc/passwd");
  EXPECT_THAT(refusal((outside_ / "secret").string()), HasSubstr("path escapes the workspace"));
  // A sibling whose name starts with the workspace's name is still outside.
  EXPECT_THAT(refusal(root().string() + "-other/x"), HasSubstr("path escapes the workspace"));
}

TEST_F(WorkspacePathTest, SymlinkToEtcIsRefused) {
  fs::create_symlink("/etc", ws_ / "etc_link");
  fs::create_symlink("/etc/passwd", ws_ / "passwd");
  EXPECT_THAT(refusal("etc_link"), HasSubstr("path escapes the workspace"));
  EXPECT_THAT(refusal("etc_link/passwd"), HasSubstr("path escapes the workspace"));
  EXPECT_THAT(refusal("passwd"), HasSubstr("path escapes the workspace"));
}

TEST_F(WorkspacePathTest, SymlinkedDirectoryInsidePointingOutIsRefused) {
  test::WorkspaceTest::write(outside_ / "data/secret.txt", "secret");
  fs::create_directories(ws_ / "sub");
  fs::create_directory_symlink(outside_ / "data", ws_ / "sub/data");
  EXPECT_THAT(refusal("sub/data/secret.txt"), HasSubstr("path escapes the workspace"));
  EXPECT_THAT(refusal("sub/data/not-yet.txt"), HasSubstr("path escapes the workspace"));
  // A relative link that climbs out.
  fs::create_directory_symlink("../../" + outside_.path().filename().string(), ws_ / "sub/up");
  EXPECT_THAT(refusal("sub/up/data/secret.txt"), HasSubstr("path escapes the workspace"));
}

TEST_F(WorkspacePathTest, DanglingSymlinkPointingOutIsRefused) {
  // weakly_canonical alone keeps a missing tail as written; a write through
  // this link would create a file outside.
  fs::create_symlink(outside_ / "not-yet.txt", ws_ / "dangling");
  EXPECT_THAT(refusal("dangling"), HasSubstr("path escapes the workspace"));
  fs::create_symlink(outside_ / "no-dir", ws_ / "dangling_dir");
  EXPECT_THAT(refusal("dangling_dir/file.txt"), HasSubstr("path escapes the workspace"));
}

TEST_F(WorkspacePathTest, SymlinksThatStayInsideResolveToTheirTarget) {
  put("real/file.txt", "x");
  fs::create_directory_symlink("real", ws_ / "alias");
  fs::create_symlink("real/new.txt", ws_ / "dangling_inside");
  EXPECT_EQ(resolve_workspace_path(ws_.path(), "alias/file.txt").absolute,
            root() / "real/file.txt");
  EXPECT_EQ(resolve_workspace_path(ws_.path(), "dangling_inside").absolute,
            root() / "real/new.txt");
}

TEST_F(WorkspacePathTest, WorkspaceGivenThroughASymlinkWorks) {
  fs::create_directory_symlink(ws_.path(), outside_ / "ws-link");
  put("a.txt", "a");
  auto p = resolve_workspace_path(outside_ / "ws-link", "a.txt");
  EXPECT_EQ(p.absolute, root() / "a.txt");
  EXPECT_EQ(p.relative, "a.txt");
}

TEST_F(WorkspacePathTest, SymlinkLoopIsAnError) {
  fs::create_symlink("loop_b", ws_ / "loop_a");
  fs::create_symlink("loop_a", ws_ / "loop_b");
  EXPECT_THAT(refusal("loop_a"), HasSubstr("loop_a"));
}

TEST_F(WorkspacePathTest, MissingWorkspaceAndNulBytesAreErrors) {
  EXPECT_THROW(resolve_workspace_path(ws_ / "nope", "a"), tool_failure);
  EXPECT_THAT(refusal(std::string("a\0b", 3)), HasSubstr("NUL"));
}
