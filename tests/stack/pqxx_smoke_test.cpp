#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "tests/support/test_database.hpp"

TEST(PqxxSmokeTest, PreparedJsonbRoundTrip) {
  boocode::test::test_database db{false};
  pqxx::connection c{db.conninfo()};
  EXPECT_GE(c.server_version(), 150000);
  pqxx::work tx{c};
  tx.exec("CREATE TABLE t (name text PRIMARY KEY, meta jsonb)");
  c.prepare("put", "INSERT INTO t VALUES ($1, $2::jsonb) ON CONFLICT (name) DO UPDATE"
                   " SET meta = t.meta || EXCLUDED.meta RETURNING meta->>'round'");
  tx.exec_prepared("put", "a", R"({"round": 1})");
  auto r = tx.exec_prepared1("put", "a", R"({"round": 2, "x": true})");
  EXPECT_EQ(r[0].as<std::string>(), "2");
  tx.commit();
}
