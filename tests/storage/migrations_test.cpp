#include <thread>

#include <gtest/gtest.h>

#include "storage/migrations.hpp"
#include "storage/storage_error.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;

TEST(MigrationsTest, AppliesEachOnceAndRecordsIt) {
  test::test_database db{false};
  auto& all = storage::builtin_migrations();
  ASSERT_FALSE(all.empty());
  auto applied = storage::apply_migrations(db.conninfo(), all);
  EXPECT_EQ(applied.size(), all.size());
  EXPECT_TRUE(storage::apply_migrations(db.conninfo(), all).empty());
  auto recorded = storage::applied_migrations(db.conninfo());
  ASSERT_EQ(recorded.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i)
    EXPECT_EQ(recorded[i], all[i].version);
  EXPECT_EQ(db.scalar("SELECT to_regclass('nodes') IS NOT NULL"), "t");
}

TEST(MigrationsTest, VersionsAreUniqueAndAscending) {
  auto& all = storage::builtin_migrations();
  for (size_t i = 1; i < all.size(); ++i)
    EXPECT_LT(all[i - 1].version, all[i].version);
}

TEST(MigrationsTest, NodesStartingTogetherDoNotRace) {
  test::test_database db{false};
  auto& all = storage::builtin_migrations();
  constexpr int starters = 8;
  std::vector<std::thread> threads;
  std::vector<size_t> applied(starters);
  std::vector<std::string> errors(starters);
  for (int i = 0; i < starters; ++i)
    threads.emplace_back([&, i] {
      try {
        applied[i] = storage::apply_migrations(db.conninfo(), all).size();
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  for (auto& t : threads)
    t.join();
  size_t total = 0;
  for (int i = 0; i < starters; ++i) {
    EXPECT_EQ(errors[i], "") << "starter " << i;
    total += applied[i];
  }
  EXPECT_EQ(total, all.size());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM schema_migrations"), std::to_string(all.size()));
}

TEST(MigrationsTest, AFailingMigrationAppliesNothing) {
  test::test_database db{false};
  std::vector<storage::migration> broken = {
    {1, "good", "CREATE TABLE first_table (x int)"},
    {2, "bad", "CREATE TABLE oops ("},
  };
  try {
    storage::apply_migrations(db.conninfo(), broken);
    FAIL() << "expected storage_error";
  } catch (const storage::storage_error& e) {
    EXPECT_NE(std::string(e.what()).find("migration 2 failed"), std::string::npos) << e.what();
  }
  EXPECT_EQ(db.scalar("SELECT to_regclass('first_table') IS NULL"), "t");
  EXPECT_EQ(db.scalar("SELECT to_regclass('schema_migrations') IS NULL"), "t");
}
