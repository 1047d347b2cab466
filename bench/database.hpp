#pragma once

// The PostgreSQL a benchmark's node uses: its own embedded cluster (initdb
// defaults, fsync on, max_connections 100) under `root`, migrated.
#include <filesystem>
#include <memory>

#include "storage/embedded_postgres.hpp"
#include "storage/migrations.hpp"

namespace boocode::bench {

inline std::unique_ptr<storage::embedded_postgres>
start_database(const std::filesystem::path& root) {
  storage::embedded_postgres_options opts;
  opts.root = root;
  auto pg = storage::embedded_postgres::start(opts);
  storage::apply_migrations(pg->conninfo(), storage::builtin_migrations());
  return pg;
}

} // namespace boocode::bench
