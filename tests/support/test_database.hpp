#pragma once

#include <memory>
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

/// A transaction held open on a database, e.g. to hold a row lock that a
/// node's write must wait for; rolled back by release() or the destructor.
class held_transaction {
public:
  /// Opens a connection, begins, and runs `sql` (e.g. SELECT ... FOR UPDATE).
  held_transaction(const std::string& conninfo, const std::string& sql);
  ~held_transaction();
  held_transaction(const held_transaction&) = delete;
  held_transaction& operator=(const held_transaction&) = delete;
  void release();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace boocode::test
