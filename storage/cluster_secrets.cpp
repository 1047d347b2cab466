#include "storage/cluster_secrets.hpp"

#include <pqxx/pqxx>

#include "storage/connection.hpp"

namespace boocode::storage {

std::string cluster_secret(const std::shared_ptr<pool>& db, const std::string& name,
                           const std::string& candidate) {
  connection conn{db, "cluster_secrets"};
  return conn.with("read the cluster secret", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    tx.exec_params("INSERT INTO cluster_secrets (name, value) VALUES ($1, $2) "
                   "ON CONFLICT (name) DO NOTHING",
                   name, candidate);
    auto value = tx.exec_params1("SELECT value FROM cluster_secrets WHERE name = $1", name)[0]
                   .as<std::string>();
    tx.commit();
    return value;
  });
}

} // namespace boocode::storage
