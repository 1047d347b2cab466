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

const std::string task_columns =
  "id, chat_id, parent_actor, parent_turn, call_id, depth, description, prompt, tools::text, "
  "coalesce(model, ''), worktree, state, coalesce(result, ''), coalesce(error, ''), "
  "input_tokens, cached_tokens, output_tokens, reasoning_tokens, cost_usd, "
  "coalesce(owner_node, ''), coalesce(worktree_path, ''), coalesce(branch, ''), " +
  iso_time("created_at") + ", coalesce(" + iso_time("started_at") + ", ''), coalesce(" +
  iso_time("ended_at") + ", '')";

agent::task_record to_task(const pqxx::row& row) {
  agent::task_record t;
  auto& s = t.spawn;
  s.id = row[0].c_str();
  s.chat_id = row[1].c_str();
  s.parent_actor = row[2].c_str();
  s.parent_turn = row[3].as<int>();
  s.call_id = row[4].c_str();
  s.depth = row[5].as<int>();
  s.description = row[6].c_str();
  s.prompt = row[7].c_str();
  if (!row[8].is_null())
    s.tools = nlohmann::json::parse(row[8].c_str()).get<std::vector<std::string>>();
  s.model = row[9].c_str();
  s.worktree = row[10].as<bool>();
  t.state = protocol::from_text<protocol::task_state>(row[11].c_str());
  t.result = row[12].c_str();
  t.error = row[13].c_str();
  t.usage = {row[14].as<int64_t>(), row[15].as<int64_t>(), row[16].as<int64_t>(),
             row[17].as<int64_t>()};
  t.cost_usd = row[18].as<double>();
  t.owner_node = row[19].c_str();
  t.worktree_path = row[20].c_str();
  t.branch = row[21].c_str();
  t.created_at = row[22].c_str();
  t.started_at = row[23].c_str();
  t.ended_at = row[24].c_str();
  return t;
}

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

task_repository::created task_repository::create(const agent::task_spawn& s) {
  return impl_->db.with("create a task", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    std::optional<std::string> tools;
    if (s.tools)
      tools = nlohmann::json(*s.tools).dump();
    std::optional<std::string> model;
    if (!s.model.empty())
      model = s.model;
    auto inserted = tx.exec_params(
      "INSERT INTO tasks (id, chat_id, parent_actor, parent_turn, call_id, depth, description,"
      " prompt, tools, model, worktree) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10,"
      " $11) ON CONFLICT (parent_actor, parent_turn, call_id) DO NOTHING RETURNING id",
      s.id, s.chat_id, s.parent_actor, s.parent_turn, s.call_id, s.depth, s.description, s.prompt,
      tools, model, s.worktree);
    if (!inserted.empty())
      tx.exec_params(
        "INSERT INTO chats (id, workspace, title, build_command, owner, permission_mode,"
        " allow_rules, network, env, kind, parent_chat) SELECT $1, workspace, $2, build_command,"
        " owner, permission_mode, allow_rules, network, env, 'subagent', $3 FROM chats"
        " WHERE id = $4",
        s.id, s.description, s.chat_id, s.parent_actor);
    auto row = tx.exec_params1(fmt::format("SELECT {} FROM tasks WHERE parent_actor = $1 AND "
                                           "parent_turn = $2 AND call_id = $3",
                                           task_columns),
                               s.parent_actor, s.parent_turn, s.call_id);
    created out{to_task(row), !inserted.empty()};
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
  return impl_->select("list a task's children", "parent_actor = $1", parent_actor);
}

std::optional<chat::inbox_entry>
task_repository::start(const std::string& id, const std::string& node, int per_chat, int per_node) {
  return impl_->db.with(
    "start a task", [&](pqxx::connection& c) -> std::optional<chat::inbox_entry> {
      pqxx::work tx{c};
      // Two starts on one node at once would both see room under the bound.
      tx.exec_params("SELECT pg_advisory_xact_lock(hashtext('boocode.tasks.' || $1))", node);
      auto started =
        tx.exec_params("UPDATE tasks t SET state = 'running', owner_node = $2, started_at = now()"
                       " WHERE id = $1 AND state = 'queued'"
                       " AND ($3 <= 0 OR (SELECT count(*) FROM tasks r WHERE r.chat_id = t.chat_id"
                       " AND r.state = 'running') < $3)"
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
                     " 'subagent') ON CONFLICT (actor_id) DO NOTHING",
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

void task_repository::add_usage(const std::string& id, const agent::task_usage& u,
                                double cost_usd) {
  impl_->db.with("add a task's usage", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    tx.exec_params("UPDATE tasks SET input_tokens = input_tokens + $2, cached_tokens ="
                   " cached_tokens + $3, output_tokens = output_tokens + $4, reasoning_tokens ="
                   " reasoning_tokens + $5, cost_usd = cost_usd + $6 WHERE id = $1",
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
                      "parent_actor = $1 AND state IN ('queued', 'running')", parent_actor);
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
