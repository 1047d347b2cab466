#include "storage/node_repository.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "storage/connection.hpp"
#include "storage/rows.hpp"
#include "storage/storage_error.hpp"

namespace boocode::storage {

std::string node_application_name(const std::string& node_id) {
  return ("boocode/" + node_id).substr(0, 63); // PostgreSQL keeps 63 bytes
}

std::string with_parameter(const std::string& conninfo, const std::string& key,
                           const std::string& value) {
  bool uri = conninfo.starts_with("postgres://") || conninfo.starts_with("postgresql://");
  if (uri) {
    std::string escaped;
    for (char ch : value) {
      if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.')
        escaped += ch;
      else
        escaped += fmt::format("%{:02X}", static_cast<unsigned char>(ch));
    }
    return conninfo + (conninfo.find('?') == std::string::npos ? "?" : "&") + key + "=" + escaped;
  }
  std::string quoted;
  for (char ch : value) {
    if (ch == '\'' || ch == '\\')
      quoted += '\\';
    quoted += ch;
  }
  return conninfo + (conninfo.empty() ? "" : " ") + key + "='" + quoted + "'";
}

std::string node_conninfo(const std::string& conninfo, const std::string& node_id,
                          std::chrono::milliseconds idle_limit) {
  return with_parameter(
    with_parameter(conninfo, "application_name", node_application_name(node_id)), "options",
    fmt::format("-c idle_in_transaction_session_timeout={}", idle_limit.count()));
}

struct node_repository::impl {
  explicit impl(connection c) : db(std::move(c)) {}
  connection db;
};

namespace {

const std::string node_columns =
  "n.id, n.http_address, n.version, n.pid, n.state,"
  " EXTRACT(EPOCH FROM now() - n.heartbeat_at)::float8, n.cluster, n.cluster_address,"
  " n.admin_address, (SELECT count(*) FROM actor_leases l WHERE l.node_id = n.id), " +
  iso_time("n.started_at");

node_record to_node(const pqxx::row& row) {
  return node_record{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                     row[3].as<int>(),         row[4].as<std::string>(), row[5].as<double>(),
                     row[6].as<std::string>(), row[7].as<std::string>(), row[8].as<std::string>(),
                     row[9].as<int64_t>(),     row[10].as<std::string>()};
}

} // namespace

node_repository::node_repository(std::string conninfo)
  : impl_(std::make_unique<impl>(connection{std::move(conninfo)})) {}

node_repository::node_repository(std::shared_ptr<pool> p)
  : impl_(std::make_unique<impl>(connection{std::move(p), "node_repository"})) {}

node_repository::~node_repository() = default;

void node_repository::register_node(const node_record& node) {
  impl_->db.with("register node", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    limit_lock_wait(tx);
    tx.exec_params("INSERT INTO nodes (id, http_address, version, pid, state, cluster,"
                   " cluster_address, admin_address) VALUES ($1, $2, $3, $4, 'up', $5, $6, $7)"
                   " ON CONFLICT (id) DO UPDATE SET http_address = EXCLUDED.http_address,"
                   " version = EXCLUDED.version, pid = EXCLUDED.pid, state = 'up',"
                   " cluster = EXCLUDED.cluster, cluster_address = EXCLUDED.cluster_address,"
                   " admin_address = EXCLUDED.admin_address, started_at = now(),"
                   " heartbeat_at = now()",
                   node.id, node.http_address, node.version, node.pid, node.cluster,
                   node.cluster_address, node.admin_address);
    tx.exec_params("UPDATE actor_leases SET node_id = '', epoch = epoch + 1, acquired_at = now()"
                   " WHERE node_id = $1",
                   node.id);
    tx.commit();
  });
}

bool node_repository::heartbeat(const std::string& node_id) {
  return impl_->db.with("heartbeat", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    auto r = tx.exec_params("UPDATE nodes SET heartbeat_at = now() WHERE id = $1"
                            " AND state IN ('up', 'draining')",
                            node_id);
    tx.commit();
    return r.affected_rows() == 1;
  });
}

void node_repository::set_state(const std::string& node_id, const std::string& state) {
  impl_->db.with("set node state", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    limit_lock_wait(tx);
    tx.exec_params("UPDATE nodes SET state = $2 WHERE id = $1", node_id, state);
    tx.commit();
  });
}

std::vector<std::string> node_repository::declare_lapsed(const std::string& cluster,
                                                         std::chrono::milliseconds timeout,
                                                         const std::string& except) {
  return impl_->db.with("declare lapsed nodes dead", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    limit_lock_wait(tx);
    // Under READ COMMITTED a second caller re-checks the state of a row the
    // first one changed, so it does not return that node again.
    auto r = tx.exec_params("UPDATE nodes SET state = 'dead' WHERE cluster = $1"
                            " AND state IN ('up', 'draining') AND id <> $3"
                            " AND heartbeat_at < now() - $2 * interval '1 millisecond'"
                            " RETURNING id",
                            cluster, static_cast<int64_t>(timeout.count()), except);
    tx.commit();
    std::vector<std::string> out;
    for (const auto& row : r)
      out.push_back(row[0].as<std::string>());
    return out;
  });
}

bool node_repository::confirm_dead(const std::string& node_id) {
  return impl_->db.with("confirm node dead", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    limit_lock_wait(tx);
    auto r = tx.exec_params("UPDATE nodes SET state = 'dead' WHERE id = $1"
                            " AND state IN ('up', 'draining') AND NOT EXISTS (SELECT 1"
                            " FROM pg_stat_activity WHERE application_name = $2) RETURNING id",
                            node_id, node_application_name(node_id));
    tx.commit();
    return !r.empty();
  });
}

std::vector<node_record> node_repository::nodes(const std::string& cluster) {
  return impl_->db.with("list nodes", [&](pqxx::connection& c) {
    pqxx::read_transaction tx{c};
    std::vector<node_record> out;
    for (const auto& row : tx.exec_params(
           fmt::format("SELECT {} FROM nodes n WHERE n.cluster = $1 ORDER BY n.id", node_columns),
           cluster))
      out.push_back(to_node(row));
    return out;
  });
}

std::optional<node_record> node_repository::find(const std::string& node_id) {
  return impl_->db.with("find node", [&](pqxx::connection& c) -> std::optional<node_record> {
    pqxx::read_transaction tx{c};
    auto r =
      tx.exec_params(fmt::format("SELECT {} FROM nodes n WHERE n.id = $1", node_columns), node_id);
    if (r.empty())
      return std::nullopt;
    return to_node(r[0]);
  });
}

} // namespace boocode::storage
