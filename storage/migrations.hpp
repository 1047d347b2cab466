#pragma once

#include <string>
#include <vector>

namespace boocode::storage {

/// One versioned schema change, from storage/migrations/NNNN_name.sql.
struct migration {
  int version;
  std::string name;
  std::string sql;
};

/// The migrations compiled into this binary, in version order.
const std::vector<migration>& builtin_migrations();

/// Applies the migrations a database lacks, in one transaction under an
/// advisory lock, so nodes starting together on one database do not race;
/// records each in schema_migrations. Returns the versions it applied (empty
/// when the database was current). Throws storage_error; on failure nothing
/// is applied.
std::vector<int> apply_migrations(const std::string& conninfo,
                                  const std::vector<migration>& migrations);

/// The versions recorded in schema_migrations, ascending.
std::vector<int> applied_migrations(const std::string& conninfo);

} // namespace boocode::storage
