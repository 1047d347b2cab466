#include "storage/workflow_repository.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "storage/connection.hpp"
#include "storage/rows.hpp"
#include "storage/storage_error.hpp"
#include "storage/task_sql.hpp"

namespace boocode::storage {

namespace {

// A run: its task's columns, then its script's and conversation's.
const std::string& run_select() {
  static const std::string sql = fmt::format(
    "SELECT {}, run_name, source, args_text, meta_text, budget, run_result, workspace, owner,"
    " coalesce(max_running, 0), cache_mode FROM (SELECT t.*, w.name AS run_name, w.source,"
    " w.args::text AS args_text, w.meta::text AS meta_text, w.budget,"
    " w.result::text AS run_result, w.cache_mode, c.workspace, c.owner, c.max_running"
    " FROM tasks t JOIN workflow_runs w ON w.id = t.id JOIN chats c ON c.id = t.id) AS run",
    task_columns);
  return sql;
}

workflow_run to_run(const pqxx::row& row) {
  workflow_run r;
  r.task = to_task(row);
  const auto base = static_cast<pqxx::row::size_type>(task_column_count);
  r.name = row[base].c_str();
  r.source = row[base + 1].c_str();
  r.args = nlohmann::json::parse(row[base + 2].c_str());
  r.meta = nlohmann::json::parse(row[base + 3].c_str());
  if (!row[base + 4].is_null())
    r.budget = row[base + 4].as<int64_t>();
  if (!row[base + 5].is_null())
    r.result = nlohmann::json::parse(row[base + 5].c_str());
  r.workspace = row[base + 6].c_str();
  r.owner = row[base + 7].c_str();
  r.concurrency = row[base + 8].as<int>();
  r.cache = protocol::from_text<protocol::cache_mode>(row[base + 9].c_str());
  return r;
}

} // namespace

struct workflow_repository::impl {
  explicit impl(connection c) : db(std::move(c)) {}
  connection db;
};

workflow_repository::workflow_repository(std::string conninfo)
  : impl_(std::make_unique<impl>(connection{std::move(conninfo)})) {}

workflow_repository::workflow_repository(std::shared_ptr<pool> p)
  : impl_(std::make_unique<impl>(connection{std::move(p), "workflow_repository"})) {}

workflow_repository::~workflow_repository() = default;

workflow_repository::created workflow_repository::create(const workflow_run_spec& s) {
  return impl_->db.with("start a workflow run", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    const auto& t = s.task;
    if (t.chat_id == t.id) // a run of its own: its conversation row comes first
      tx.exec_params("INSERT INTO chats (id, workspace, title, owner, kind) VALUES ($1, $2, $3,"
                     " $4, 'workflow') ON CONFLICT (id) DO NOTHING",
                     t.id, s.workspace, t.description, s.owner);
    const bool fresh = insert_task(tx, t).has_value();
    if (fresh) {
      tx.exec_params("UPDATE chats SET max_running = $2 WHERE id = $1", t.id, s.concurrency);
      std::optional<int64_t> budget = s.budget;
      tx.exec_params("INSERT INTO workflow_runs (id, name, source, args, meta, budget, cache_mode)"
                     " VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7)",
                     t.id, s.name, s.source, s.args.dump(), s.meta.dump(), budget,
                     std::string(protocol::to_string(s.cache)));
    }
    auto row = tx.exec_params1(run_select() +
                                 " WHERE parent_actor = $1 AND parent_turn = $2 AND call_id = $3",
                               t.parent_actor, t.parent_turn, t.call_id);
    created out{to_run(row), fresh};
    tx.commit();
    return out;
  });
}

std::optional<workflow_run> workflow_repository::find(const std::string& id) {
  return impl_->db.with("find a workflow run", [&](pqxx::connection& c) {
    pqxx::read_transaction tx{c};
    auto r = tx.exec_params(run_select() + " WHERE id = $1", id);
    return r.empty() ? std::nullopt : std::optional<workflow_run>(to_run(r[0]));
  });
}

std::vector<workflow_run> workflow_repository::for_chat(const std::string& chat_id, int limit) {
  return impl_->db.with("list a chat's workflow runs", [&](pqxx::connection& c) {
    pqxx::read_transaction tx{c};
    std::vector<workflow_run> out;
    for (const auto& row :
         tx.exec_params(run_select() + " WHERE chat_id = $1 AND id <> $1"
                                       " ORDER BY created_at DESC, id DESC LIMIT $2",
                        chat_id, limit))
      out.push_back(to_run(row));
    return out;
  });
}

std::vector<journal_value> workflow_repository::journal(const std::string& run_id) {
  return impl_->db.with("read a workflow journal", [&](pqxx::connection& c) {
    pqxx::read_transaction tx{c};
    std::vector<journal_value> out;
    for (const auto& row :
         tx.exec_params("SELECT path, kind, value::text, phase, " + iso_time("created_at") +
                          " FROM workflow_journal WHERE run_id = $1 ORDER BY seq",
                        run_id))
      out.push_back({row[0].c_str(), row[1].c_str(), nlohmann::json::parse(row[2].c_str()),
                     row[3].c_str(), row[4].c_str()});
    return out;
  });
}

bool workflow_repository::record(const fence& f, const journal_value& v) {
  return impl_->db.with("record in a workflow journal", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    auto r = tx.exec_params(
      "WITH lease AS (SELECT 1 FROM actor_leases WHERE actor_id = $1 AND node_id = $6"
      " AND epoch = $7), added AS (INSERT INTO workflow_journal (run_id, path, kind, value, phase)"
      " SELECT $1, $2, $3, $4::jsonb, $5 FROM lease ON CONFLICT DO NOTHING RETURNING seq)"
      " SELECT (SELECT count(*) FROM lease), (SELECT count(*) FROM added)",
      f.actor_id, v.path, v.kind, v.value.dump(), v.phase, f.node_id, f.epoch);
    if (r[0][0].as<int64_t>() == 0)
      throw fenced(fmt::format("record {} in {}'s journal: it is no longer owned at epoch {}",
                               v.path, f.actor_id, f.epoch));
    tx.commit();
    return r[0][1].as<int64_t>() > 0;
  });
}

void workflow_repository::forget_notes(const std::string& run_id) {
  impl_->db.with("clear a workflow's inbox", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    tx.exec_params("DELETE FROM inbox WHERE actor_id = $1", run_id);
    tx.commit();
  });
}

void workflow_repository::forget_note(const std::string& run_id, int64_t entry_id) {
  impl_->db.with("clear a workflow's notification", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    tx.exec_params("DELETE FROM inbox WHERE actor_id = $1 AND id = $2", run_id, entry_id);
    tx.commit();
  });
}

void workflow_repository::set_result(const std::string& run_id, const nlohmann::json& result) {
  impl_->db.with("record a workflow's result", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    tx.exec_params("UPDATE workflow_runs SET result = $2::jsonb WHERE id = $1", run_id,
                   result.dump());
    tx.commit();
  });
}

} // namespace boocode::storage
