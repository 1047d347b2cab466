#include <csignal>
#include <fstream>
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "storage/embedded_postgres.hpp"
#include "storage/storage_error.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using storage::embedded_postgres;

namespace {

storage::embedded_postgres_options options(const test::temp_dir& dir) {
  storage::embedded_postgres_options opts;
  opts.root = dir / "pg";
  opts.unsafe_fast = true;
  return opts;
}

std::string query(const std::string& conninfo, const std::string& sql) {
  pqxx::connection c{conninfo};
  pqxx::nontransaction tx{c};
  auto r = tx.exec(sql);
  return r.empty() ? "" : r[0][0].c_str();
}

bool alive(pid_t pid) {
  return kill(pid, 0) == 0;
}

} // namespace

TEST(EmbeddedPostgresTest, StartsStopsAndReusesTheCluster) {
  test::temp_dir dir;
  pid_t first_pid = 0;
  {
    auto pg = embedded_postgres::start(options(dir));
    first_pid = pg->pid();
    EXPECT_EQ(query(pg->conninfo(), "SELECT current_database()"), "boocode");
    query(pg->conninfo(), "CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)");
    pg->stop();
    EXPECT_FALSE(alive(first_pid));
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "pg" / "data" / "postmaster.pid"));
  auto pg = embedded_postgres::start(options(dir));
  EXPECT_NE(pg->pid(), first_pid);
  EXPECT_EQ(query(pg->conninfo(), "SELECT x FROM kept"), "42");
  // No TCP listener: the cluster is reachable on its private socket only.
  EXPECT_EQ(query(pg->conninfo(), "SHOW listen_addresses"), "");
}

TEST(EmbeddedPostgresTest, RemovesAStalePidFileLeftByACrash) {
  test::temp_dir dir;
  embedded_postgres::start(options(dir))->stop();
  // A pid file naming a process that is not running, as after kill -9 and a reboot.
  auto pid_file = dir / "pg" / "data" / "postmaster.pid";
  std::ofstream(pid_file) << "999999\n" << (dir / "pg" / "data").string() << "\n";
  auto pg = embedded_postgres::start(options(dir));
  EXPECT_EQ(query(pg->conninfo(), "SELECT 1"), "1");
}

TEST(EmbeddedPostgresTest, StopsAnOrphanedServerBeforeStarting) {
  test::temp_dir dir;
  auto opts = options(dir);
  opts.die_with_parent = false;
  auto orphan = embedded_postgres::start(opts);
  pid_t orphan_pid = orphan->pid();
  orphan->release(); // as if the node that owned it had been killed
  orphan.reset();
  ASSERT_TRUE(alive(orphan_pid));
  auto pg = embedded_postgres::start(options(dir));
  EXPECT_NE(pg->pid(), orphan_pid);
  EXPECT_EQ(query(pg->conninfo(), "SELECT 1"), "1");
  // The orphan was this test's child, so reap it before checking it is gone.
  waitpid(orphan_pid, nullptr, 0);
  EXPECT_FALSE(alive(orphan_pid));
}

TEST(EmbeddedPostgresTest, MissingBinariesNameThePackage) {
  test::temp_dir dir;
  auto opts = options(dir);
  opts.bin_dir = dir / "no-such-bin";
  try {
    embedded_postgres::start(opts);
    FAIL() << "expected storage_error";
  } catch (const storage::storage_error& e) {
    EXPECT_NE(std::string(e.what()).find("apt-get install postgresql-15"), std::string::npos)
      << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "pg" / "data"));
}
