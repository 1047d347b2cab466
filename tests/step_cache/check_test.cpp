#include <fstream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "runtime/step_cache/check.hpp"
#include "runtime/step_cache/recorder.hpp"
#include "runtime/tools/tool_registry.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using namespace boocode::step_cache;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

void put(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

std::string text_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A step's tools in a workspace, recorded as a cached step's are.
class StepCacheCheckTest : public ::testing::Test {
protected:
  void SetUp() override {
    put(dir / "src/a.c", "int a;\n");
    put(dir / "src/b.c", "int b; // needle\n");
    put(dir / "README", "hello\n");
    start();
  }

  void start() {
    rec = std::make_shared<recorder>(dir.path(), record_limits{});
    ctx.workspace = dir.path();
    ctx.observer = rec;
  }

  void call(const std::string& name, const json& args) {
    auto r = tools::execute(name, args, ctx);
    ASSERT_EQ(r.outcome, tools::tool_outcome::ok) << name << ": " << r.text;
  }

  step_record finish() {
    auto out = rec->finish();
    EXPECT_TRUE(std::holds_alternative<step_record>(out));
    // As stored and read back.
    return record_from_json(json::parse(to_json(std::get<step_record>(out)).dump()));
  }

  std::string why(const step_record& r) {
    auto m = check(dir.path(), r);
    return m ? m->describe() : "holds";
  }

  test::temp_dir dir{"boocode-step-cache"};
  tools::tool_context ctx;
  std::shared_ptr<recorder> rec;
};

} // namespace

TEST_F(StepCacheCheckTest, AReadFileThatChangedIsAMissNamingIt) {
  call("read_file", {{"path", "src/a.c"}});
  auto r = finish();
  EXPECT_EQ(why(r), "holds");
  put(dir / "src/b.c", "changed\n"); // not read
  EXPECT_EQ(why(r), "holds");
  put(dir / "src/a.c", "int a = 1;\n");
  EXPECT_EQ(why(r), "input changed: src/a.c");
  fs::remove(dir / "src/a.c");
  EXPECT_EQ(why(r), "input changed: src/a.c");
}

TEST_F(StepCacheCheckTest, AListedFolderHoldsUntilItsNamesChange) {
  call("list_dir", {{"path", "src"}});
  auto r = finish();
  put(dir / "src/a.c", "other content, same name\n");
  EXPECT_EQ(why(r), "holds");
  put(dir / "src/c.c", "int c;\n");
  EXPECT_EQ(why(r), "input changed: src/");
}

TEST_F(StepCacheCheckTest, ASearchHoldsUntilAFileItSawChanges) {
  call("search", {{"pattern", "needle"}, {"path", "src"}});
  auto r = finish();
  ASSERT_EQ(r.searches.size(), 1U);
  EXPECT_EQ(r.searches[0].files, 2U);
  EXPECT_EQ(why(r), "holds");
  put(dir / "README", "needle outside the searched folder\n");
  EXPECT_EQ(why(r), "holds");
  put(dir / "src/a.c", "int a; // needle too\n");
  EXPECT_EQ(why(r), "input changed: /needle/ in src");
  put(dir / "src/a.c", "int a;\n");
  EXPECT_EQ(why(r), "holds");
  put(dir / "src/z.c", "new\n");
  EXPECT_EQ(why(r), "input changed: /needle/ in src");
}

TEST_F(StepCacheCheckTest, WritesAreRestoredWhereTheFilesAreAsTheStepFoundThem) {
  call("list_dir", {{"path", "."}});
  call("read_file", {{"path", "src/a.c"}});
  call("edit_file", {{"path", "src/a.c"}, {"old_string", "int a;"}, {"new_string", "long a;"}});
  call("write_file", {{"path", "docs/notes.md"}, {"content", "# notes\n"}});
  auto r = finish();
  ASSERT_EQ(r.writes.size(), 2U);
  // As the step left it (a re-run): it holds, though it read src/a.c before
  // editing it and created docs/ in the folder it listed.
  EXPECT_EQ(why(r), "holds");
  // As it found it: it holds and is restored.
  put(dir / "src/a.c", "int a;\n");
  fs::remove_all(dir / "docs");
  EXPECT_EQ(why(r), "holds");
  restore(dir.path(), r);
  EXPECT_EQ(text_of(dir / "src/a.c"), "long a;\n");
  EXPECT_EQ(text_of(dir / "docs/notes.md"), "# notes\n");
  // Changed since by someone else: a conflict naming the file, nothing written.
  put(dir / "docs/notes.md", "mine\n");
  EXPECT_EQ(why(r), "write conflict: docs/notes.md");
}

TEST_F(StepCacheCheckTest, ACommandStepIsCheckedAgainstTheWholeWorkspace) {
  call("write_file", {{"path", "gen.sh"}, {"content", "echo built > out.txt\nrm README\n"}});
  call("run_command", {{"argv", {"sh", "gen.sh"}}});
  auto r = finish();
  ASSERT_TRUE(r.found.has_value());
  EXPECT_TRUE(r.reads.empty());
  EXPECT_EQ(r.writes.size(), 3U); // gen.sh, out.txt, README (deleted)
  EXPECT_EQ(why(r), "holds");     // as it left it
  // As it found it: restored, the deletion too.
  fs::remove(dir / "gen.sh");
  fs::remove(dir / "out.txt");
  put(dir / "README", "hello\n");
  EXPECT_EQ(why(r), "holds");
  restore(dir.path(), r);
  EXPECT_EQ(text_of(dir / "out.txt"), "built\n");
  EXPECT_FALSE(fs::exists(dir / "README"));
  EXPECT_TRUE(fs::exists(dir / "gen.sh"));
  // Any file changed: a miss naming it.
  put(dir / "src/b.c", "int b2;\n");
  EXPECT_EQ(why(r), "input changed: src/b.c");
}

TEST_F(StepCacheCheckTest, WritesTooLargeAreNotCached) {
  rec = std::make_shared<recorder>(dir.path(), record_limits{20000, 10});
  ctx.observer = rec;
  call("write_file", {{"path", "big.txt"}, {"content", "more than ten bytes"}});
  auto out = rec->finish();
  ASSERT_TRUE(std::holds_alternative<std::string>(out));
  EXPECT_EQ(std::get<std::string>(out), "the files it wrote are too large to cache");
}

TEST_F(StepCacheCheckTest, RestoreRefusesAPathOutsideTheWorkspace) {
  step_record r;
  r.writes.push_back({"../escaped.txt", "", "x", "bad"});
  EXPECT_THROW(restore(dir.path(), r), std::runtime_error);
  EXPECT_FALSE(fs::exists(dir.path().parent_path() / "escaped.txt"));
}
