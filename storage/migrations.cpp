#include "storage/migrations.hpp"

#include <set>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "storage/storage_error.hpp"

namespace boocode::storage {

namespace {

/// Arbitrary but fixed: every BooCode node takes this lock to migrate.
constexpr long long migration_lock_key = 0x626f6f636f6465; // "boocode"

} // namespace

std::vector<int> apply_migrations(const std::string& conninfo,
                                  const std::vector<migration>& migrations) {
  std::vector<int> applied;
  int current = 0;
  try {
    pqxx::connection c{conninfo};
    pqxx::work tx{c};
    tx.exec("SET LOCAL lock_timeout = '60s'");
    tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(migration_lock_key) + ")");
    tx.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY,"
            " name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())");
    std::set<int> done;
    for (auto row : tx.exec("SELECT version FROM schema_migrations"))
      done.insert(row[0].as<int>());
    for (auto& m : migrations) {
      if (done.count(m.version) != 0)
        continue;
      current = m.version;
      tx.exec(m.sql);
      tx.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version,
                     m.name);
      applied.push_back(m.version);
    }
    tx.commit();
  } catch (const std::exception& e) {
    if (current != 0)
      throw storage_error(fmt::format("migration {} failed: {}", current, e.what()));
    throw storage_error(fmt::format("cannot migrate the database: {}", e.what()));
  }
  return applied;
}

std::vector<int> applied_migrations(const std::string& conninfo) {
  try {
    pqxx::connection c{conninfo};
    pqxx::read_transaction tx{c};
    std::vector<int> out;
    for (auto row : tx.exec("SELECT version FROM schema_migrations ORDER BY version"))
      out.push_back(row[0].as<int>());
    return out;
  } catch (const std::exception& e) {
    throw storage_error(fmt::format("cannot read schema_migrations: {}", e.what()));
  }
}

} // namespace boocode::storage
