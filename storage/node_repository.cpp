#include "storage/node_repository.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "storage/connection.hpp"
#include "storage/storage_error.hpp"

namespace boocode::storage {

struct node_repository::impl {
  explicit impl(std::string conninfo) : db(std::move(conninfo)) {}
  connection db;
};

node_repository::node_repository(std::string conninfo)
  : impl_(std::make_unique<impl>(std::move(conninfo))) {}

node_repository::~node_repository() = default;

void node_repository::register_node(const node_record& node) {
  impl_->db.with("register node", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    tx.exec_params("INSERT INTO nodes (id, http_address, version, pid, state)"
                   " VALUES ($1, $2, $3, $4, 'up')"
                   " ON CONFLICT (id) DO UPDATE SET http_address = EXCLUDED.http_address,"
                   " version = EXCLUDED.version, pid = EXCLUDED.pid, state = 'up',"
                   " started_at = now(), heartbeat_at = now()",
                   node.id, node.http_address, node.version, node.pid);
    tx.commit();
  });
}

bool node_repository::heartbeat(const std::string& node_id) {
  return impl_->db.with("heartbeat", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    auto r = tx.exec_params("UPDATE nodes SET heartbeat_at = now() WHERE id = $1", node_id);
    tx.commit();
    return r.affected_rows() == 1;
  });
}

void node_repository::mark_stopped(const std::string& node_id) {
  impl_->db.with("mark node stopped", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    tx.exec_params("UPDATE nodes SET state = 'stopped' WHERE id = $1", node_id);
    tx.commit();
  });
}

std::optional<node_record> node_repository::find(const std::string& node_id) {
  return impl_->db.with("find node", [&](pqxx::connection& c) -> std::optional<node_record> {
    pqxx::read_transaction tx{c};
    auto r = tx.exec_params("SELECT id, http_address, version, pid, state,"
                            " EXTRACT(EPOCH FROM now() - heartbeat_at)::float8"
                            " FROM nodes WHERE id = $1",
                            node_id);
    if (r.empty())
      return std::nullopt;
    auto row = r[0];
    return node_record{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                       row[3].as<int>(),         row[4].as<std::string>(), row[5].as<double>()};
  });
}

} // namespace boocode::storage
