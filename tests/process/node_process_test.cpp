// `boocode` as a user runs it: a real process, its embedded PostgreSQL, signals.
#include <csignal>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/poll.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

bool alive(pid_t pid) {
  if (kill(pid, 0) != 0)
    return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  auto close = line.rfind(')');
  return close == std::string::npos || line.size() < close + 3 || line[close + 2] != 'Z';
}

/// Pids of live processes whose command line mentions `needle`.
std::vector<pid_t> processes_mentioning(const std::string& needle) {
  std::vector<pid_t> out;
  for (auto& entry : fs::directory_iterator("/proc")) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmd.find(needle) != std::string::npos && alive(std::stoi(name)))
      out.push_back(std::stoi(name));
  }
  return out;
}

pid_t postmaster_pid(const fs::path& data_dir) {
  std::ifstream in(data_dir / "pg" / "data" / "postmaster.pid");
  pid_t pid = 0;
  in >> pid;
  return pid;
}

std::string read_line(const fs::path& file) {
  std::ifstream in(file);
  std::string s;
  std::getline(in, s);
  return s;
}

int count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1))
    ++n;
  return n;
}

} // namespace

class NodeProcessTest : public ::testing::Test {
protected:
  std::unique_ptr<test::node_process> start(std::vector<std::string> extra = {},
                                            std::vector<std::string> env = {}) {
    std::vector<std::string> args{"serve", "--listen", "127.0.0.1:0", "--data-dir", data_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto log = dir_ / ("node-" + std::to_string(++runs_) + ".log");
    return std::make_unique<test::node_process>(args, log, env);
  }

  test::temp_dir dir_;
  fs::path data_ = dir_ / "data";
  int runs_ = 0;
};

TEST_F(NodeProcessTest, ServesHealthThenStopsCleanlyOnSigterm) {
  auto node = start();
  node->wait_ready();
  auto res = test::http_call(node->address(), "GET", "/api/health");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.json()["status"], "ok");
  EXPECT_EQ(res.json()["node_id"], read_line(data_ / "node-id"));
  pid_t pg = postmaster_pid(data_);
  ASSERT_GT(pg, 0);
  ASSERT_TRUE(alive(pg));
  node->signal(SIGTERM);
  auto code = node->wait_exit(20s);
  ASSERT_TRUE(code) << "node did not exit; output:\n" << node->output();
  EXPECT_EQ(*code, 0) << node->output();
  EXPECT_FALSE(alive(pg));
  EXPECT_TRUE(processes_mentioning(data_.string()).empty());
  EXPECT_FALSE(fs::exists(data_ / "pg" / "data" / "postmaster.pid"));
}

TEST_F(NodeProcessTest, SigintClosesWebSocketsWithGoingAway) {
  auto node = start();
  node->wait_ready();
  test::ws_client ws{node->address()};
  auto hello = ws.read_text();
  ASSERT_TRUE(hello);
  EXPECT_EQ(nlohmann::json::parse(*hello)["type"], "hello");
  node->signal(SIGINT);
  EXPECT_EQ(ws.wait_for_close(10s), 1001);
  EXPECT_EQ(node->wait_exit(20s), 0) << node->output();
}

TEST_F(NodeProcessTest, RestartReusesTheClusterAndTheNodeId) {
  std::string first_id;
  {
    auto node = start();
    node->wait_ready();
    first_id = test::http_call(node->address(), "GET", "/api/health").json()["node_id"];
    node->signal(SIGTERM);
    ASSERT_EQ(node->wait_exit(20s), 0) << node->output();
    EXPECT_EQ(count(node->output(), "creating the embedded PostgreSQL cluster"), 1);
  }
  auto node = start();
  node->wait_ready();
  EXPECT_EQ(test::http_call(node->address(), "GET", "/api/health").json()["node_id"], first_id);
  EXPECT_EQ(count(node->output(), "creating the embedded PostgreSQL cluster"), 0);
  EXPECT_EQ(count(node->output(), "applied"), 0) << "migrations ran twice";
}

TEST_F(NodeProcessTest, KillNineTakesPostgresDownAndTheNextStartRecovers) {
  {
    auto node = start();
    node->wait_ready();
    pid_t pg = postmaster_pid(data_);
    ASSERT_TRUE(alive(pg));
    node->signal(SIGKILL);
    node->wait_exit(10s);
    EXPECT_TRUE(poll_until(20s, [&] { return !alive(pg); })) << "PostgreSQL outlived its node";
  }
  {
    // Now the worst case: PostgreSQL itself killed, leaving postmaster.pid behind.
    auto node = start();
    node->wait_ready();
    pid_t pg = postmaster_pid(data_);
    kill(pg, SIGKILL);
    ASSERT_TRUE(poll_until(10s, [&] { return !alive(pg); }));
    node->signal(SIGKILL);
    node->wait_exit(10s);
    ASSERT_TRUE(poll_until(20s, [&] { return processes_mentioning(data_.string()).empty(); }));
    ASSERT_TRUE(fs::exists(data_ / "pg" / "data" / "postmaster.pid"));
  }
  auto node = start();
  node->wait_ready();
  EXPECT_EQ(test::http_call(node->address(), "GET", "/api/health").status, 200);
  node->signal(SIGTERM);
  EXPECT_EQ(node->wait_exit(20s), 0) << node->output();
}

TEST_F(NodeProcessTest, UsageErrorsExitWithCode2AndOneLine) {
  for (auto args : std::vector<std::vector<std::string>>{{"serve", "--no-such-flag"},
                                                         {"serve", "--listen", "nowhere"},
                                                         {"serve", "--log-format", "xml"},
                                                         {"launch"}}) {
    test::node_process p{args, dir_ / "usage.log"};
    EXPECT_EQ(p.wait_exit(10s), 2) << args.back();
    auto out = p.output();
    EXPECT_EQ(count(out, "\n"), 1) << out;
    EXPECT_EQ(out.rfind("boocode: ", 0), 0u) << out;
    fs::remove(dir_ / "usage.log");
  }
}

TEST_F(NodeProcessTest, VersionAndHelp) {
  test::node_process v{{"--version"}, dir_ / "v.log"};
  EXPECT_EQ(v.wait_exit(10s), 0);
  EXPECT_EQ(v.output().rfind("boocode 0.", 0), 0u) << v.output();
  test::node_process h{{"--help"}, dir_ / "h.log"};
  EXPECT_EQ(h.wait_exit(10s), 0);
  EXPECT_NE(h.output().find("--database-url"), std::string::npos);
}

TEST_F(NodeProcessTest, ATakenPortEndsTheStartWithItsError) {
  // The failure comes after the actor system and the database are up: the
  // node must still stop and say why, not hang.
  auto first = start();
  first->wait_ready();
  auto taken = std::to_string(first->address().port);
  auto second = start({"--listen", "127.0.0.1:" + taken, "--data-dir", (dir_ / "d2").string()});
  EXPECT_EQ(second->wait_exit(60s), 1) << second->output();
  EXPECT_NE(second->output().find("cannot listen on 127.0.0.1:" + taken), std::string::npos)
    << second->output();
  first->signal(SIGTERM);
  EXPECT_EQ(first->wait_exit(20s), 0) << first->output();
}

TEST_F(NodeProcessTest, MissingPostgresBinariesNameThePackage) {
  auto node = start({"--pg-bin", (dir_ / "empty").string()});
  EXPECT_EQ(node->wait_exit(20s), 1);
  EXPECT_NE(node->output().find("apt-get install postgresql-15"), std::string::npos)
    << node->output();
}

TEST_F(NodeProcessTest, ASecondNodeOnTheSameDataDirIsRefused) {
  auto first = start();
  first->wait_ready();
  auto second = start();
  EXPECT_EQ(second->wait_exit(20s), 1);
  EXPECT_NE(second->output().find("another boocode node"), std::string::npos) << second->output();
  EXPECT_EQ(test::http_call(first->address(), "GET", "/api/health").status, 200);
  first->signal(SIGTERM);
  EXPECT_EQ(first->wait_exit(20s), 0) << first->output();
}

TEST_F(NodeProcessTest, JsonLogsAreOneObjectPerLine) {
  auto node = start({"--log-format", "json"});
  node->wait_ready();
  node->signal(SIGTERM);
  ASSERT_EQ(node->wait_exit(20s), 0) << node->output();
  std::istringstream lines{node->output()};
  std::string line;
  int parsed = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("boocode listening on ", 0) == 0)
      continue; // the ready line on stdout
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    EXPECT_TRUE(j.contains("logger") && j.contains("level") && j.contains("msg")) << line;
    ++parsed;
  }
  EXPECT_GE(parsed, 4);
}

TEST_F(NodeProcessTest, ExternalDatabaseUrlRegistersAndHeartbeats) {
  test::test_database db{false};
  auto node = start({"--database-url", db.conninfo(), "--heartbeat-interval", "100ms"},
                    {"BOOCODE_NODE_ID=env-node"});
  node->wait_ready();
  EXPECT_EQ(test::http_call(node->address(), "GET", "/api/health").json()["node_id"], "env-node");
  EXPECT_FALSE(fs::exists(data_ / "pg")) << "no embedded cluster with --database-url";
  EXPECT_EQ(db.scalar("SELECT state FROM nodes WHERE id = 'env-node'"), "up");
  auto first = db.scalar("SELECT heartbeat_at FROM nodes WHERE id = 'env-node'");
  EXPECT_TRUE(poll_until(10s, [&] {
    return db.scalar("SELECT heartbeat_at FROM nodes WHERE id = 'env-node'") != first;
  }));
  node->signal(SIGTERM);
  EXPECT_EQ(node->wait_exit(20s), 0) << node->output();
  EXPECT_EQ(db.scalar("SELECT state FROM nodes WHERE id = 'env-node'"), "stopped");
}
