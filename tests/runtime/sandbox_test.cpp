#include <arpa/inet.h>
#include <cstdlib>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/poll.hpp"
#include "runtime/tools/run_command.hpp"
#include "runtime/tools/sandbox.hpp"
#include "tests/runtime/tool_test_support.hpp"

using namespace boocode;
using namespace boocode::tools;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

/// Processes on the machine whose command line contains `marker`.
int processes_with(const std::string& marker) {
  int found = 0;
  for (auto& entry : fs::directory_iterator("/proc")) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(marker) != std::string::npos && test::process_running(std::stoi(name)))
      ++found;
  }
  return found;
}

/// A TCP listener on 127.0.0.1 that a command may try to reach.
struct listener {
  listener() {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd, 8);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~listener() { close(fd); }
  int fd = -1;
  int port = 0;
};

} // namespace

class SandboxTest : public test::WorkspaceTest {
protected:
  SandboxTest() {
    write(data_ / "secret.txt", "node secret");
    write(roots_ / "other-chat" / "private.txt", "another chat's file");
    fs::create_directories(roots_ / "mine");
    policy_->hidden = default_hidden_paths(data_.path(), {roots_.path(), outside_.path()});
    policy_->limits.processes = 64;
    auto cg = pids_cgroups::open();
    if (auto* groups = std::get_if<std::shared_ptr<pids_cgroups>>(&cg))
      policy_->cgroups = *groups;
    else
      std::cerr << "no pids cgroup: " << std::get<std::string>(cg) << "\n";
    ctx_.sandbox = policy_;
  }

  command_result run(std::vector<std::string> argv, std::chrono::milliseconds timeout = 20s) {
    return run_command(command_request{.argv = std::move(argv),
                                       .cwd = fs::canonical(ctx_.workspace),
                                       .timeout = timeout,
                                       .sandbox = ctx_.sandbox,
                                       .network = ctx_.network});
  }
  command_result sh(const std::string& script, std::chrono::milliseconds timeout = 20s) {
    return run({"sh", "-c", script}, timeout);
  }

  test::temp_dir data_{"boocode-data"};
  test::temp_dir roots_{"boocode-roots"};
  std::shared_ptr<sandbox_policy> policy_ = std::make_shared<sandbox_policy>();
};

TEST_F(SandboxTest, TheProbeWorksOnThisMachine) {
  EXPECT_EQ(probe_sandbox(*policy_, ws_.path()), std::nullopt);
}

TEST_F(SandboxTest, WritesInTheWorkspaceAndNowhereElse) {
  auto r = sh("echo made > made.txt && mkdir -p sub && echo deep > sub/f && cat made.txt");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(get("made.txt"), "made\n");
  EXPECT_EQ(get("sub/f"), "deep\n");
  for (const std::string target :
       {"/etc/boocode-escape", "/usr/boocode-escape", "/var/tmp/boocode-escape"}) {
    auto w = sh("echo x > " + target);
    EXPECT_NE(w.exit_code, 0) << target << ": " << w.output;
    EXPECT_THAT(w.output, HasSubstr("Read-only file system")) << target;
    EXPECT_FALSE(fs::exists(target)) << target;
  }
  // The workspace's parent here is /tmp, which is the command's own.
  auto beside = fs::canonical(ws_.path()).parent_path() / "boocode-escape";
  EXPECT_EQ(sh("echo x > " + beside.string() + " && echo written").output, "written\n");
  EXPECT_FALSE(fs::exists(beside));
}

TEST_F(SandboxTest, HiddenFoldersAreNotVisibleAtAll) {
  auto data = sh("ls -A " + data_.path().string() + "; cat " + (data_ / "secret.txt").string());
  EXPECT_NE(data.exit_code, 0);
  EXPECT_THAT(data.output, Not(HasSubstr("node secret")));
  EXPECT_THAT(data.output, HasSubstr("No such file or directory"));
  auto home = sh("ls -A /root /home");
  EXPECT_EQ(home.output, "/home:\n\n/root:\n") << home.output;
  auto socket_dir = sh("ls -A /run/postgresql 2>/dev/null; echo done");
  EXPECT_EQ(socket_dir.output, "done\n");
}

TEST_F(SandboxTest, AHiddenFileReadsEmptyAndCannotBeWritten) {
  test::temp_dir keys{"boocode-keys"};
  write(keys / "node.key", "-----BEGIN PRIVATE KEY-----");
  policy_->hidden = default_hidden_paths(data_.path(), {keys / "node.key"});
  auto r = sh("cat " + (keys / "node.key").string() + "; echo x > " + (keys / "node.key").string());
  EXPECT_THAT(r.output, Not(HasSubstr("PRIVATE KEY")));
  EXPECT_EQ(slurp(keys / "node.key"), "-----BEGIN PRIVATE KEY-----");
}

TEST_F(SandboxTest, AWorkspaceUnderAHiddenRootSeesOnlyItself) {
  ctx_.workspace = roots_ / "mine";
  auto r = sh("echo ok > here.txt; ls -A ..; cat ../other-chat/private.txt");
  EXPECT_THAT(r.output, HasSubstr("mine\n"));
  EXPECT_THAT(r.output, Not(HasSubstr("other-chat\n")));
  EXPECT_THAT(r.output, Not(HasSubstr("another chat's file")));
  EXPECT_EQ(slurp(roots_ / "mine" / "here.txt"), "ok\n");
}

TEST_F(SandboxTest, TheDataDirStaysHiddenInsideTheWorkspace) {
  test::temp_dir outer{"boocode-outer"};
  write(outer / "data" / "secret.txt", "inner secret");
  policy_->hidden = default_hidden_paths(outer / "data");
  ctx_.workspace = outer.path();
  auto r = sh("ls -A data; cat data/secret.txt");
  EXPECT_THAT(r.output, Not(HasSubstr("inner secret")));
  EXPECT_THAT(r.output, HasSubstr("No such file"));
}

TEST_F(SandboxTest, SeesNeitherTheNodesProcessesNorItsEnvironment) {
  setenv("BOOCODE_AUTH_TOKEN", "tok-secret", 1);
  auto r = sh("cat /proc/*/environ | tr '\\0' '\\n'; ls /proc | grep -c '^[0-9]'");
  unsetenv("BOOCODE_AUTH_TOKEN");
  EXPECT_THAT(r.output, Not(HasSubstr("tok-secret")));
  EXPECT_THAT(r.output, HasSubstr("HOME="));
  // sh, cat (maybe gone), tr, ls, grep: a handful, not the machine's hundreds.
  auto last = r.output.substr(r.output.rfind('\n', r.output.size() - 2) + 1);
  EXPECT_LE(std::stoi(last), 8) << r.output;
  EXPECT_THAT(sh("kill -0 " + std::to_string(getpid()) + " && echo reached").output,
              Not(HasSubstr("reached")));
}

TEST_F(SandboxTest, NoNetworkUnlessTheChatAllowsIt) {
  listener l;
  auto connect = "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(l.port) + " && echo connected";
  auto off = run({"bash", "-c", connect});
  EXPECT_THAT(off.output, Not(HasSubstr("connected")));
  EXPECT_THAT(off.output, HasSubstr("Connection refused")); // its own loopback, empty
  ctx_.network = true;
  auto on = run({"bash", "-c", connect});
  EXPECT_THAT(on.output, HasSubstr("connected")) << on.output;
}

TEST_F(SandboxTest, HasNoCapabilitiesAndCannotUndoItsMounts) {
  auto r = sh("grep -E '^Cap(Eff|Prm|Bnd)' /proc/self/status; umount /tmp && echo unmounted; "
              "mount -o remount,rw / && echo remounted");
  EXPECT_THAT(r.output, HasSubstr("CapEff:\t0000000000000000"));
  EXPECT_THAT(r.output, HasSubstr("CapBnd:\t0000000000000000"));
  EXPECT_THAT(r.output, Not(HasSubstr("unmounted")));
  EXPECT_THAT(r.output, Not(HasSubstr("remounted")));
}

TEST_F(SandboxTest, TimeoutKillsTheWholeTreeEvenProcessesThatLeftTheGroup) {
  auto r = sh(
    "sleep 7771 & setsid sleep 7772 & (trap '' TERM HUP; sleep 7773) & echo started; wait", 500ms);
  EXPECT_EQ(r.outcome, tool_outcome::timeout);
  EXPECT_THAT(r.output, HasSubstr("started"));
  EXPECT_TRUE(poll_until(5s, [] {
    return processes_with("sleep 7771") + processes_with("sleep 7772") +
             processes_with("sleep 7773") ==
           0;
  }));
}

TEST_F(SandboxTest, AForkBombIsContained) {
  // Every process it can make waits; the limit stops it, the timeout ends it.
  auto r = sh("bomb() { bomb & bomb & sleep 7774; }; bomb", 2s);
  EXPECT_EQ(r.outcome, tool_outcome::timeout);
  EXPECT_TRUE(poll_until(10s, [] { return processes_with("sleep 7774") == 0; }));
  auto counted = sh("i=0; while [ $i -lt 100 ]; do sleep 7775 & i=$((i+1)); done 2>&1 | "
                    "grep -c -m1 -i -E 'fork|resource'; kill 0",
                    10s);
  EXPECT_THAT(counted.output, HasSubstr("1")) << counted.output;
  EXPECT_EQ(sh("echo still works").output, "still works\n");
}

TEST_F(SandboxTest, AMemoryHogIsStopped) {
  policy_->limits.memory_bytes = std::uint64_t{256} << 20;
  auto r = run({"python3", "-c", "x = bytearray(2 << 30); print('allocated')"});
  EXPECT_THAT(r.output, Not(HasSubstr("allocated")));
  EXPECT_THAT(r.output, HasSubstr("MemoryError"));
  EXPECT_NE(r.exit_code, 0);
}

TEST_F(SandboxTest, BuildsAndInterpretersStillRun) {
  put("hello.c", "#include <stdio.h>\nint main(void) { puts(\"hello from c\"); return 0; }\n");
  put("Makefile", "hello: hello.c\n\tcc -o hello hello.c\n");
  auto make = run({"make"});
  EXPECT_EQ(make.exit_code, 0) << make.output;
  EXPECT_EQ(run({"./hello"}).output, "hello from c\n");
  auto py = run({"python3", "-c",
                 "import tempfile, os; f = tempfile.NamedTemporaryFile(); "
                 "print('python', os.getcwd() == os.environ['HOME'])"});
  EXPECT_EQ(py.output, "python True\n") << py.output;
  auto node = run({"node", "-e", "console.log('node', 6 * 7)"});
  EXPECT_EQ(node.output, "node 42\n") << node.output;
}
