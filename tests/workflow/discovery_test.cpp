#include <fstream>

#include <gtest/gtest.h>

#include "runtime/workflow/discovery.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

std::string script(const std::string& name, const std::string& description) {
  return "export const meta = { name: \"" + name + "\", description: \"" + description +
         "\" };\nreturn 1;\n";
}

} // namespace

TEST(WorkflowDiscoveryTest, TheProjectsCopyWinsThenTheUsersThenClaudesThenTheCatalog) {
  test::temp_dir workspace;
  test::temp_dir home;
  write(workspace.path() / ".boocode/workflows/review.js", script("multi-review", "the project's"));
  write(home.path() / ".boocode/workflows/review.js", script("multi-review", "the user's"));
  write(home.path() / ".boocode/workflows/mine.js", script("mine", "the user's own"));
  write(workspace.path() / ".claude/workflows/theirs.js", script("theirs", "from Claude Code"));
  write(workspace.path() / ".claude/workflows/mine.js", script("mine", "shadowed"));
  write(workspace.path() / ".boocode/workflows/notes.txt", "not a script");
  write(workspace.path() / ".boocode/workflows/broken.js", "const x = require('fs');\n");

  const auto all = workflow::discover(workspace.path(), home.path());
  std::map<std::string, workflow::workflow_entry> by_name;
  for (const auto& e : all)
    by_name[e.name] = e;
  ASSERT_EQ(all.size(), 6u); // broken, deep-research, fix-failing-tests, mine, multi-review, theirs
  EXPECT_EQ(by_name.at("multi-review").meta->description, "the project's");
  EXPECT_EQ(by_name.at("multi-review").from, workflow::origin::project);
  EXPECT_EQ(by_name.at("mine").meta->description, "the user's own");
  EXPECT_EQ(by_name.at("theirs").from, workflow::origin::claude);
  EXPECT_EQ(by_name.at("deep-research").from, workflow::origin::builtin);
  EXPECT_EQ(by_name.at("deep-research").path, "builtin:deep-research.js");
  // A script that does not check is listed, by its file's name, with why.
  EXPECT_FALSE(by_name.at("broken").meta.has_value());
  EXPECT_NE(by_name.at("broken").problem.find("line 1, column 1"), std::string::npos);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(),
                             [](const auto& a, const auto& b) { return a.name < b.name; }));

  auto found = workflow::find_workflow(workspace.path(), home.path(), "theirs");
  ASSERT_TRUE(found.has_value());
  EXPECT_NE(found->source.find("from Claude Code"), std::string::npos);
  EXPECT_FALSE(workflow::find_workflow(workspace.path(), home.path(), "nothing").has_value());
}

TEST(WorkflowDiscoveryTest, WithoutWorkflowFoldersOnlyTheCatalogIsListed) {
  test::temp_dir workspace;
  const auto all = workflow::discover(workspace.path(), {});
  ASSERT_EQ(all.size(), 3u);
  for (const auto& e : all)
    EXPECT_TRUE(e.problem.empty()) << e.name << ": " << e.problem;
}
