#include <cstdlib>
#include <future>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/poll.hpp"
#include "runtime/tools/run_command.hpp"
#include "tests/runtime/tool_test_support.hpp"

using namespace boocode;
using namespace boocode::tools;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

class RunCommandTest : public test::WorkspaceTest {
protected:
  /// The pid the command wrote into `file` in the workspace, once it has.
  pid_t wait_for_pid(const std::string& file) {
    pid_t pid = 0;
    boocode::poll_until(10s, [&] {
      auto text = get(file);
      if (!text.empty() && text.back() == '\n')
        pid = std::atoi(text.c_str());
      return pid > 0;
    });
    return pid;
  }
};

TEST_F(RunCommandTest, ReturnsOutputAndExitCode) {
  auto r = run_command(ctx_, {"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.outcome, tool_outcome::ok) << r.text;
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.read_only);
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(r.text, "out\nerr\n[exit code: 3]");
}

TEST_F(RunCommandTest, RunsInTheWorkspace) {
  auto r = run_command(ctx_, {"pwd"});
  EXPECT_EQ(r.text, fs::canonical(ws_.path()).string() + "\n[exit code: 0]");
}

TEST_F(RunCommandTest, NoShellInterpretation) {
  auto r = run_command(ctx_, {"echo", "$HOME", "*", "a;b", "|", "`id`"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.text, "$HOME * a;b | `id`\n[exit code: 0]");
}

TEST_F(RunCommandTest, MissingProgramIsAClearError) {
  auto r = run_command(ctx_, {"no-such-program-boocode"});
  EXPECT_EQ(r.outcome, tool_outcome::error);
  EXPECT_EQ(r.text, "cannot run no-such-program-boocode: command not found");
  EXPECT_FALSE(r.exit_code);
  auto abs = run_command(ctx_, {"/no/such/program"});
  EXPECT_EQ(abs.outcome, tool_outcome::error);
  EXPECT_EQ(abs.text, "cannot run /no/such/program: No such file or directory");
  put("not-exec.sh", "echo hi\n");
  EXPECT_THAT(run_command(ctx_, {"./not-exec.sh"}).text, HasSubstr("Permission denied"));
  EXPECT_THAT(run_command(ctx_, {}).text, HasSubstr("argv is empty"));
}

TEST_F(RunCommandTest, CapsOutputWithAVisibleMarker) {
  auto r = run_command(ctx_, {"sh", "-c", "head -c 100000 /dev/zero | tr '\\0' a"});
  EXPECT_EQ(r.outcome, tool_outcome::ok);
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.text, std::string(32 * 1024, 'a') +
                      "\n[output truncated: 100000 bytes total]\n[exit code: 0]");
}

TEST_F(RunCommandTest, DrainsOutputFarPastTheCapSoTheCommandFinishes) {
  ctx_.limits.max_output_bytes = 10;
  auto r = run_command(ctx_, {"sh", "-c", "head -c 20000000 /dev/zero; echo done >&2"});
  EXPECT_EQ(r.outcome, tool_outcome::ok) << r.text;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.text, HasSubstr("[output truncated: 20000005 bytes total]"));
}

TEST_F(RunCommandTest, TimeoutKillsTheProcessGroupIncludingGrandchildren) {
  auto start = std::chrono::steady_clock::now();
  auto r = run_command(ctx_, {"sh", "-c", "sleep 100 & echo $! > grandchild.pid; wait"}, 1s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_EQ(r.outcome, tool_outcome::timeout) << r.text;
  EXPECT_FALSE(r.exit_code);
  EXPECT_EQ(r.text, "[timed out after 1 s; the command and its child processes were killed]");
  pid_t grandchild = wait_for_pid("grandchild.pid");
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(boocode::poll_until(10s, [&] { return !test::process_running(grandchild); }))
    << "grandchild " << grandchild << " survived the timeout";
}

TEST_F(RunCommandTest, ProcessesLeftBehindAreKilledWhenTheCommandEnds) {
  auto start = std::chrono::steady_clock::now();
  // The background sleep keeps the output pipe open after sh exits.
  auto r = run_command(ctx_, {"sh", "-c", "sleep 100 & echo $! > bg.pid; echo started"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_EQ(r.outcome, tool_outcome::ok);
  EXPECT_EQ(r.text, "started\n[exit code: 0]");
  pid_t bg = wait_for_pid("bg.pid");
  ASSERT_GT(bg, 0);
  EXPECT_TRUE(boocode::poll_until(10s, [&] { return !test::process_running(bg); }));
}

TEST_F(RunCommandTest, CancelKillsTheGroupAtOnce) {
  auto token = std::make_shared<cancel_token>();
  ctx_.cancel = token;
  auto running = std::async(std::launch::async, [&] {
    return run_command(ctx_, {"sh", "-c", "echo $$ > cmd.pid; exec sleep 100"}, 60s);
  });
  pid_t pid = wait_for_pid("cmd.pid");
  ASSERT_GT(pid, 0);
  auto cancelled_at = std::chrono::steady_clock::now();
  token->cancel();
  ASSERT_EQ(running.wait_for(10s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, 5s);
  auto r = running.get();
  EXPECT_EQ(r.outcome, tool_outcome::cancelled);
  EXPECT_EQ(r.text, "[cancelled; the command and its child processes were killed]");
  EXPECT_TRUE(boocode::poll_until(10s, [&] { return !test::process_running(pid); }));
}

TEST_F(RunCommandTest, TimeoutMustBeWithinLimits) {
  EXPECT_THAT(run_command(ctx_, {"true"}, 0ms).text, HasSubstr("timeout_s must be more than 0"));
  EXPECT_THAT(run_command(ctx_, {"true"}, 601s).text, HasSubstr("at most 600"));
}

TEST_F(RunCommandTest, EnvironmentIsFixedAndHasNoneOfTheNodes) {
  setenv("BOOCODE_MODEL_API_KEY", "sk-secret", 1);
  setenv("PGPASSWORD", "pg-secret", 1);
  auto r = run_command(ctx_, {"env"});
  unsetenv("BOOCODE_MODEL_API_KEY");
  unsetenv("PGPASSWORD");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.text, Not(HasSubstr("sk-secret")));
  EXPECT_THAT(r.text, Not(HasSubstr("pg-secret")));
  EXPECT_THAT(r.text, HasSubstr("PATH="));
  EXPECT_THAT(r.text, HasSubstr("HOME=" + fs::canonical(ws_.path()).string() + "\n"));
  ctx_.env = std::vector<std::string>{"ONLY=this", "PATH=/usr/bin:/bin"};
  EXPECT_EQ(run_command(ctx_, {"env"}).text, "ONLY=this\nPATH=/usr/bin:/bin\n[exit code: 0]");
}

TEST_F(RunCommandTest, PlainRunnerReportsBytesAndExitCode) {
  auto res = run_command(command_request{
    .argv = {"sh", "-c", "printf 12345; exit 7"}, .cwd = ws_.path(), .max_output_bytes = 3});
  EXPECT_EQ(res.outcome, tool_outcome::ok);
  EXPECT_EQ(res.exit_code, 7);
  EXPECT_EQ(res.output, "123");
  EXPECT_EQ(res.total_bytes, 5u);
  EXPECT_TRUE(res.truncated());
}
