#include "storage/actor_repository.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "storage/connection.hpp"
#include "storage/rows.hpp"
#include "storage/storage_error.hpp"

namespace boocode::storage {

struct actor_repository::impl {
  explicit impl(connection c) : db(std::move(c)) {}
  connection db;
};

namespace {

const std::string actor_columns =
  "l.actor_id, l.kind,"
  " CASE WHEN n.state IN ('up', 'draining') THEN l.node_id ELSE '' END,"
  " CASE WHEN EXISTS (SELECT 1 FROM turn_journal j WHERE j.actor_id = l.actor_id)"
  " THEN 'running' ELSE '' END,"
  " c.turns,"
  " (SELECT count(*) FROM inbox i WHERE i.actor_id = l.actor_id AND i.consumed_at IS NULL"
  " AND i.taken_turn IS NULL),"
  " " +
  iso_time("GREATEST(l.acquired_at, s.updated_at, (SELECT max(created_at) FROM turn_journal j"
           " WHERE j.actor_id = l.actor_id), (SELECT max(created_at) FROM inbox i"
           " WHERE i.actor_id = l.actor_id))") +
  ", l.epoch"
  " FROM actor_leases l JOIN chats c ON c.id = l.actor_id"
  " LEFT JOIN nodes n ON n.id = l.node_id LEFT JOIN agent_snapshots s ON s.actor_id = l.actor_id";

admin::actor_info to_actor(const pqxx::row& row) {
  admin::actor_info a;
  a.id = row[0].as<std::string>();
  a.kind = protocol::from_text<protocol::actor_kind>(row[1].as<std::string>());
  a.owner = row[2].as<std::string>();
  a.state = row[3].as<std::string>() == "running" ? protocol::actor_state::running
                                                  : protocol::actor_state::idle;
  a.turn = row[4].as<int32_t>();
  a.mailbox = row[5].as<uint32_t>();
  a.last_activity = row[6].as<std::string>();
  a.epoch = row[7].as<int64_t>();
  return a;
}

} // namespace

actor_repository::actor_repository(std::string conninfo)
  : impl_(std::make_unique<impl>(connection{std::move(conninfo)})) {}

actor_repository::actor_repository(std::shared_ptr<pool> p)
  : impl_(std::make_unique<impl>(connection{std::move(p), "actor_repository"})) {}

actor_repository::~actor_repository() = default;

std::vector<admin::actor_info> actor_repository::list(const admin::actor_filter& f) {
  return impl_->db.with("list actors", [&](pqxx::connection& c) {
    pqxx::read_transaction tx{c};
    std::vector<admin::actor_info> out;
    auto rows = tx.exec_params(
      "SELECT " + actor_columns +
        " WHERE c.archived_at IS NULL AND ($1 = '' OR l.kind = $1) AND ($2 = '' OR l.actor_id = $2)"
        " AND ($3 = '' OR (l.node_id = $3 AND n.state IN ('up', 'draining')))"
        " ORDER BY l.actor_id",
      f.kind, f.id, f.node);
    for (const auto& row : rows)
      out.push_back(to_actor(row));
    return out;
  });
}

std::optional<admin::actor_detail> actor_repository::detail(const std::string& id,
                                                            int journal_tail) {
  return impl_->db.with("inspect actor", [&](pqxx::connection& c) {
    pqxx::transaction<pqxx::repeatable_read, pqxx::readwrite_policy::read_only> tx{c};
    auto row = tx.exec_params("SELECT " + actor_columns + " WHERE l.actor_id = $1", id);
    if (row.empty())
      return std::optional<admin::actor_detail>{};
    admin::actor_detail d;
    d.info = to_actor(row[0]);
    auto snap = tx.exec_params(
      "SELECT jsonb_build_object('turn', turn, 'state', state, 'mailbox', mailbox, 'node_id',"
      " node_id, 'epoch', epoch, 'updated_at', " +
        iso_time("updated_at") + ")::text FROM agent_snapshots WHERE actor_id = $1",
      id);
    if (!snap.empty())
      d.snapshot = snap[0][0].as<std::string>();
    for (const auto& j : tx.exec_params(
           "SELECT turn, step, kind, payload::text, " + iso_time("created_at") +
             " FROM (SELECT * FROM turn_journal WHERE actor_id = $1 ORDER BY pos DESC LIMIT $2) t"
             " ORDER BY pos",
           id, journal_tail))
      d.journal.push_back({j[0].as<int32_t>(), j[1].as<std::string>(), j[2].as<std::string>(),
                           j[3].as<std::string>(), j[4].as<std::string>()});
    for (const auto& m :
         tx.exec_params("SELECT id, coalesce(client_id, ''), content, " + iso_time("created_at") +
                          ", coalesce(taken_turn, -1) FROM inbox WHERE actor_id = $1"
                          " AND consumed_at IS NULL ORDER BY id",
                        id))
      d.mailbox.push_back({m[0].as<int64_t>(), m[1].as<std::string>(), m[2].as<std::string>(),
                           m[3].as<std::string>(), m[4].as<int32_t>()});
    tx.commit();
    return std::optional<admin::actor_detail>{std::move(d)};
  });
}

} // namespace boocode::storage
