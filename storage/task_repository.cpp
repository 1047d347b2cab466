#include "storage/task_repository.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "storage/connection.hpp"
#include "storage/rows.hpp"
#include "storage/storage_error.hpp"
#include "storage/task_sql.hpp"

namespace boocode::storage {

namespace {

std::vector<agent::task_record> to_tasks(const pqxx::result& r) {
  std::vector<agent::task_record> out;
  out.reserve(r.size());
  for (const auto& row : r)
    out.push_back(to_task(row));
  return out;
}

} // namespace

struct task_repository::impl {
  explicit impl(connection c) : db(std::move(c)) {}
  connection db;

  std::vector<agent::task_record> select(const char* what, const std::string& where,
                                         const std::string& arg) {
    return db.with(what, [&](pqxx::connection& c) {
      pqxx::read_transaction tx{c};
      return to_tasks(tx.exec_params(
        fmt::format("SELECT {} FROM tasks WHERE {} ORDER BY created_at, id", task_columns, where),
        arg));
    });
  }

  int64_t count(const char* what, const std::string& where, const std::string& arg) {
    return db.with(what, [&](pqxx::connection& c) {
      pqxx::read_transaction tx{c};
      return tx.exec_params1("SELECT count(*) FROM tasks WHERE " + where, arg)[0].as<int64_t>();
    });
  }
};

task_repository::task_repository(std::string conninfo)
  : impl_(std::make_unique<impl>(connection{std::move(conninfo)})) {}

task_repository::task_repository(std::shared_ptr<pool> p)
  : impl_(std::make_unique<impl>(connection{std::move(p), "task_repository"})) {}

task_repository::~task_repository() = default;

task_repository::created task_repository::create(const agent::task_spawn& s,
                                                 const std::string* completed_with) {
  return impl_->db.with("create a task", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    // A step taken from the cache need not wait for its flush: lost in a
    // crash, the run's replay takes it from the cache again.
    if (completed_with != nullptr)
      tx.exec("SET LOCAL synchronous_commit = off");
    if (auto task = insert_task(tx, s, completed_with)) {
      tx.commit();
      return created{std::move(*task), true};
    }
    auto row = tx.exec_params1(fmt::format("SELECT {} FROM tasks WHERE parent_actor = $1 AND "
                                           "parent_turn = $2 AND call_id = $3",
                                           task_columns),
                               s.parent_actor, s.parent_turn, s.call_id);
    created out{to_task(row), false};
    tx.commit();
    return out;
  });
}

std::optional<agent::task_record> task_repository::find(const std::string& id) {
  auto found = impl_->select("find a task", "id = $1", id);
  if (found.empty())
    return std::nullopt;
  return std::move(found.front());
}

std::vector<agent::task_record> task_repository::for_chat(const std::string& chat_id) {
  return impl_->select("list a chat's tasks", "chat_id = $1", chat_id);
}

std::vector<agent::task_record> task_repository::children(const std::string& parent_actor) {
  return impl_->select("list a task's children", "parent_actor = $1 AND id <> $1", parent_actor);
}

std::optional<chat::inbox_entry>
task_repository::start(const std::string& id, const std::string& node, int per_chat, int per_node) {
  return impl_->db.with(
    "start a task", [&](pqxx::connection& c) -> std::optional<chat::inbox_entry> {
      pqxx::work tx{c};
      // Two starts on one node at once would both see room under the bound.
      tx.exec_params("SELECT pg_advisory_xact_lock(hashtext('boocode.tasks.' || $1))", node);
      auto started = tx.exec_params(
        "UPDATE tasks t SET state = 'running', owner_node = $2, started_at = now()"
        " WHERE id = $1 AND state = 'queued'"
        // A run bounds its own steps (chats.max_running).
        " AND (coalesce((SELECT max_running FROM chats WHERE id = t.chat_id), $3) <= 0"
        " OR (SELECT count(*) FROM tasks r WHERE r.chat_id = t.chat_id"
        " AND r.state = 'running') < coalesce((SELECT max_running FROM chats"
        " WHERE id = t.chat_id), $3))"
        " AND ($4 <= 0 OR (SELECT count(*) FROM tasks r WHERE r.owner_node = $2"
        " AND r.state = 'running') < $4) RETURNING prompt",
        id, node, per_chat, per_node);
      if (started.empty())
        return std::nullopt;
      auto entry = tx.exec_params1(
        "INSERT INTO inbox (actor_id, kind, content, client_id) VALUES ($1, 'user_message', $2,"
        " 'task-prompt') RETURNING id, " +
          iso_time("created_at"),
        id, started[0][0].as<std::string>());
      tx.exec_params("INSERT INTO actor_leases (actor_id, node_id, epoch, kind) VALUES ($1, $2, 0,"
                     " actor_kind_of($1)) ON CONFLICT (actor_id) DO NOTHING",
                     id, node);
      tx.commit();
      chat::inbox_entry e;
      e.id = entry[0].as<int64_t>();
      e.content = started[0][0].as<std::string>();
      e.client_id = "task-prompt";
      e.created_at = entry[1].as<std::string>();
      return e;
    });
}

std::optional<chat::inbox_entry> task_repository::finish(const std::string& id,
                                                         protocol::task_state state,
                                                         const std::string& result,
                                                         const std::string& error,
                                                         const std::string& note) {
  if (!agent::is_final(state))
    throw storage_error(fmt::format("a task ends completed, failed or cancelled, not {}",
                                    protocol::to_string(state)));
  static const std::string sql =
    "WITH one AS (SELECT 1)" + end_task_ctes({"$1", "$2", "$3", "$4", "$5", ""}) +
    " SELECT (SELECT count(*) FROM ended), n.id, n.created_at FROM one LEFT JOIN note n ON true";
  return impl_->db.with("end a task", [&](pqxx::connection& c) -> std::optional<chat::inbox_entry> {
    pqxx::work tx{c};
    auto r = tx.exec_params1(sql, id, std::string(protocol::to_string(state)), result, error, note);
    tx.commit();
    if (r[0].as<int64_t>() == 0 || r[1].is_null())
      return std::nullopt;
    chat::inbox_entry e;
    e.id = r[1].as<int64_t>();
    e.kind = chat::inbox_kind::notification;
    e.content = note;
    e.client_id = "task:" + id;
    e.created_at = r[2].as<std::string>();
    return e;
  });
}

void task_repository::set_cache(const std::string& id, const agent::step_cache_note& note) {
  impl_->db.with("note a step's cache", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    tx.exec_params("UPDATE tasks SET cache = $2::jsonb WHERE id = $1", id, cache_note_json(note));
    tx.commit();
  });
}

void task_repository::add_usage(const std::string& id, const agent::task_usage& u,
                                double cost_usd) {
  impl_->db.with("add a task's usage", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    // The workflow runs above the task count it too: a run's tokens (and its
    // budget, in its parent run) hold everything below it.
    // (Each row by its key: an OR across the two would scan the table.)
    tx.exec_params("WITH RECURSIVE up (id) AS (SELECT parent_actor FROM tasks WHERE id = $1"
                   " UNION SELECT t.parent_actor FROM tasks t JOIN up ON t.id = up.id"
                   " WHERE t.parent_actor <> t.id AND starts_with(t.parent_actor, 'w_')),"
                   " targets (id) AS (SELECT $1::text UNION SELECT id FROM up"
                   " WHERE starts_with(id, 'w_'))"
                   " UPDATE tasks SET input_tokens = input_tokens + $2, cached_tokens ="
                   " cached_tokens + $3, output_tokens = output_tokens + $4, reasoning_tokens ="
                   " reasoning_tokens + $5, cost_usd = cost_usd + $6"
                   " FROM targets WHERE tasks.id = targets.id",
                   id, u.input, u.cached, u.output, u.reasoning, cost_usd);
    tx.commit();
  });
}

void task_repository::set_worktree(const std::string& id, const std::string& path,
                                   const std::string& branch) {
  impl_->db.with("record a task's worktree", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    tx.exec_params("UPDATE tasks SET worktree_path = $2, branch = $3 WHERE id = $1", id, path,
                   branch);
    tx.exec_params("UPDATE chats SET workspace = $2 WHERE id = $1", id, path);
    tx.commit();
  });
}

int64_t task_repository::live_children(const std::string& parent_actor) {
  return impl_->count("count a task's live children",
                      "parent_actor = $1 AND id <> $1 AND state IN ('queued', 'running')",
                      parent_actor);
}

int64_t task_repository::running_for_chat(const std::string& chat_id) {
  return impl_->count("count a chat's running tasks", "chat_id = $1 AND state = 'running'",
                      chat_id);
}

int64_t task_repository::running_on_node(const std::string& node) {
  return impl_->count("count a node's running tasks", "owner_node = $1 AND state = 'running'",
                      node);
}

std::vector<agent::task_record> task_repository::queued(int limit) {
  return impl_->db.with("list queued tasks", [&](pqxx::connection& c) {
    pqxx::read_transaction tx{c};
    return to_tasks(tx.exec_params(fmt::format("SELECT {} FROM tasks WHERE state = 'queued'"
                                               " ORDER BY created_at, id LIMIT $1",
                                               task_columns),
                                   limit));
  });
}

} // namespace boocode::storage
