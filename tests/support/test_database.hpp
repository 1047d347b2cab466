#pragma once

#include <string>

namespace boocode::test {

/// A database of its own for one test, in the run's shared PostgreSQL
/// cluster (BOOCODE_TEST_PG_DIR, started by ctest's pg_cluster_start). When a
/// test binary runs outside ctest, the first test_database starts a private
/// cluster for the process instead. Dropped on destruction.
class test_database {
public:
  /// Creates an empty database; `migrated` applies BooCode's migrations.
  explicit test_database(bool migrated = true);
  ~test_database();
  test_database(const test_database&) = delete;
  test_database& operator=(const test_database&) = delete;

  /// libpq connection string of this test's database.
  const std::string& conninfo() const { return conninfo_; }
  const std::string& name() const { return name_; }

  /// Runs one SQL statement and returns the first column of the first row
  /// as text ("" for no row); for assertions.
  std::string scalar(const std::string& sql) const;

  /// The admin connection string of the shared cluster.
  static std::string admin_conninfo();

private:
  std::string name_;
  std::string conninfo_;
};

} // namespace boocode::test
