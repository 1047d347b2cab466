#include <csignal>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/child_process.hpp"
#include "runtime/poll.hpp"
#include "tests/runtime/tool_test_support.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

namespace {

/// Everything a capturing child writes, until it closes its output.
std::string read_all(child_process& child) {
  std::string out;
  boocode::poll_until(10s, [&] { return !child.read_output(out, 20ms); });
  return out;
}

std::string start_error(const child_options& opts) {
  try {
    child_process::start(opts);
  } catch (const process_error& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST(ChildProcessTest, CapturesStdoutAndStderrThroughAPipe) {
  auto child = child_process::start(
    {.argv = {"sh", "-c", "echo one; echo two >&2; exit 4"}, .capture_output = true});
  EXPECT_EQ(read_all(child), "one\ntwo\n");
  EXPECT_EQ(child.wait_for(10s), 4);
}

TEST(ChildProcessTest, WritesToALogFileAndTailOfReadsItsEnd) {
  test::temp_dir dir;
  auto log = dir / "out.log";
  EXPECT_EQ(
    run_to_completion({.argv = {"/bin/sh", "-c", "echo hello; echo world"}, .log_file = log}, 10s),
    0);
  EXPECT_EQ(tail_of(log), "hello\nworld\n");
  EXPECT_EQ(tail_of(log, 6), "world\n");
  EXPECT_EQ(tail_of(dir / "missing"), "");
}

TEST(ChildProcessTest, UsesTheGivenEnvironmentAndDirectory) {
  test::temp_dir dir;
  auto child =
    child_process::start({.argv = {"sh", "-c", "echo $GREETING; pwd"},
                          .capture_output = true,
                          .env = std::vector<std::string>{"GREETING=hi", "PATH=/usr/bin:/bin"},
                          .cwd = dir.path()});
  EXPECT_EQ(read_all(child), "hi\n" + std::filesystem::canonical(dir.path()).string() + "\n");
}

TEST(ChildProcessTest, StartFailuresThrowWithTheReason) {
  EXPECT_EQ(start_error({.argv = {"no-such-program-boocode"}}),
            "cannot run no-such-program-boocode: command not found");
  EXPECT_EQ(start_error({.argv = {"/no/such/program"}}),
            "cannot run /no/such/program: No such file or directory");
  EXPECT_THAT(start_error({.argv = {"true"}, .cwd = "/no/such/dir"}),
              HasSubstr("cannot enter /no/such/dir"));
  EXPECT_THAT(start_error({.argv = {}}), HasSubstr("empty argv"));
}

TEST(ChildProcessTest, StartsWithDefaultSignalsAndOwnProcessGroup) {
  // An ignored SIGPIPE in the parent (servers ignore it) must not reach the child.
  auto old = std::signal(SIGPIPE, SIG_IGN);
  auto child = child_process::start(
    {.argv = {"sh", "-c", "grep SigIgn /proc/self/status | cut -f2; cut -d' ' -f5 /proc/self/stat"},
     .capture_output = true});
  std::signal(SIGPIPE, old);
  std::istringstream out(read_all(child));
  std::string ignored, group;
  std::getline(out, ignored);
  std::getline(out, group);
  // SigIgn is a hex mask with bit N-1 for signal N: SIGPIPE (13) is 0x1000.
  EXPECT_EQ(std::stoull(ignored, nullptr, 16) & 0x1000u, 0u) << ignored;
  EXPECT_EQ(group, std::to_string(child.pid()));
}

TEST(ChildProcessTest, KillGroupReachesGrandchildren) {
  auto child = child_process::start(
    {.argv = {"sh", "-c", "sleep 100 & echo $!; wait"}, .capture_output = true});
  std::string out;
  ASSERT_TRUE(boocode::poll_until(10s, [&] {
    child.read_output(out, 20ms);
    return out.find('\n') != std::string::npos;
  }));
  pid_t grandchild = std::stoi(out);
  EXPECT_TRUE(test::process_running(grandchild));
  EXPECT_FALSE(child.has_exited());
  child.kill_group(SIGKILL);
  EXPECT_EQ(child.wait_for(10s), 128 + SIGKILL);
  EXPECT_TRUE(boocode::poll_until(10s, [&] { return !test::process_running(grandchild); }));
}

TEST(ChildProcessTest, HasExitedDoesNotReap) {
  auto child = child_process::start({.argv = {"true"}});
  EXPECT_TRUE(boocode::poll_until(10s, [&] { return child.has_exited(); }));
  auto proc = "/proc/" + std::to_string(child.pid());
  EXPECT_TRUE(std::filesystem::exists(proc)); // a zombie until reaped
  EXPECT_EQ(child.poll(), 0);
  EXPECT_FALSE(std::filesystem::exists(proc));
}

TEST(ChildProcessTest, RunToCompletionTimesOut) {
  try {
    run_to_completion({.argv = {"sleep", "100"}}, 200ms);
    FAIL() << "expected process_error";
  } catch (const process_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("did not finish"));
  }
}
