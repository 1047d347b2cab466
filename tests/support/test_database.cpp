#include "tests/support/test_database.hpp"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <unistd.h>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "storage/embedded_postgres.hpp"
#include "storage/migrations.hpp"
#include "tests/support/temp_dir.hpp"

namespace boocode::test {

namespace {

/// A cluster for a test binary started by hand (outside ctest): started on
/// first use, stopped when the process exits.
struct own_cluster {
  temp_dir dir{"boocode-test-pg"};
  std::unique_ptr<storage::embedded_postgres> pg;
};

std::string replace_dbname(const std::string& conninfo, const std::string& db) {
  auto pos = conninfo.find("dbname=");
  if (pos == std::string::npos)
    return conninfo + " dbname=" + db;
  auto end = conninfo.find(' ', pos);
  return conninfo.substr(0, pos) + "dbname=" + db +
         (end == std::string::npos ? "" : conninfo.substr(end));
}

} // namespace

std::string test_database::admin_conninfo() {
  static std::once_flag once;
  static std::string conninfo;
  static std::unique_ptr<own_cluster> cluster;
  std::call_once(once, [] {
    if (const char* dir = std::getenv("BOOCODE_TEST_PG_DIR")) {
      std::ifstream in(std::string(dir) + "/conninfo");
      if (std::getline(in, conninfo) && !conninfo.empty())
        return;
    }
    cluster = std::make_unique<own_cluster>();
    storage::embedded_postgres_options opts;
    opts.root = cluster->dir / "cluster";
    opts.unsafe_fast = true;
    cluster->pg = storage::embedded_postgres::start(opts);
    conninfo = cluster->pg->conninfo("postgres");
  });
  return conninfo;
}

test_database::test_database(bool migrated) {
  static std::atomic<int> counter{0};
  name_ = "t_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  auto admin = admin_conninfo();
  {
    pqxx::connection c{admin};
    pqxx::nontransaction tx{c};
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
    tx.exec("CREATE DATABASE " + tx.quote_name(name_));
  }
  conninfo_ = replace_dbname(admin, name_);
  if (migrated)
    storage::apply_migrations(conninfo_, storage::builtin_migrations());
}

test_database::~test_database() {
  try {
    pqxx::connection c{admin_conninfo()};
    pqxx::nontransaction tx{c};
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "could not drop test database " << name_ << ": " << e.what();
  }
}

std::string test_database::scalar(const std::string& sql) const {
  pqxx::connection c{conninfo_};
  pqxx::nontransaction tx{c};
  auto r = tx.exec(sql);
  if (r.empty() || r[0][0].is_null())
    return {};
  return r[0][0].c_str();
}

struct held_transaction::impl {
  explicit impl(const std::string& conninfo) : conn(conninfo), tx(conn) {}
  pqxx::connection conn;
  pqxx::work tx;
};

held_transaction::held_transaction(const std::string& conninfo, const std::string& sql)
  : impl_(std::make_unique<impl>(conninfo)) {
  impl_->tx.exec(sql);
}

held_transaction::~held_transaction() {
  release();
}

void held_transaction::release() {
  if (impl_) {
    try {
      impl_->tx.abort();
    } catch (const std::exception&) { // the server ended it already
    }
    impl_.reset();
  }
}

} // namespace boocode::test
