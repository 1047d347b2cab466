#include "storage/task_sql.hpp"

#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "storage/rows.hpp"

namespace boocode::storage {

const std::string task_columns =
  "id, chat_id, parent_actor, parent_turn, call_id, depth, description, prompt, tools::text, "
  "coalesce(model, ''), worktree, state, coalesce(result, ''), coalesce(error, ''), "
  "input_tokens, cached_tokens, output_tokens, reasoning_tokens, cost_usd, "
  "coalesce(owner_node, ''), coalesce(worktree_path, ''), coalesce(branch, ''), " +
  iso_time("created_at") + ", coalesce(" + iso_time("started_at") + ", ''), coalesce(" +
  iso_time("ended_at") +
  ", ''), coalesce(spec_hash, ''), coalesce(schema::text, ''), coalesce(phase, ''), "
  "coalesce(max_turns, 0), coalesce(cache::text, '')";

std::string cache_note_json(const agent::step_cache_note& n) {
  return nlohmann::json{{"status", protocol::to_string(n.status)},
                        {"reason", n.reason},
                        {"key", n.key},
                        {"digest", n.digest},
                        {"write", n.write},
                        {"workflow", n.workflow},
                        {"spec", n.spec},
                        {"saved", n.saved},
                        {"source", n.source}}
    .dump();
}

agent::step_cache_note cache_note_from_json(std::string_view text) {
  auto j = nlohmann::json::parse(text);
  agent::step_cache_note n;
  n.status = protocol::from_text<protocol::cache_status>(j.value("status", "miss"));
  n.reason = j.value("reason", "");
  n.key = j.value("key", "");
  n.digest = j.value("digest", "");
  n.write = j.value("write", false);
  n.workflow = j.value("workflow", "");
  n.spec = j.value("spec", "");
  n.saved = j.value("saved", int64_t{0});
  n.source = j.value("source", "");
  return n;
}

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
  s.spec_hash = row[25].c_str();
  s.schema = row[26].c_str();
  s.phase = row[27].c_str();
  s.max_turns = row[28].as<int>();
  if (std::string_view cache = row[29].c_str(); !cache.empty())
    s.cache = cache_note_from_json(cache);
  static_assert(task_column_count == 30, "to_task reads every task column");
  return t;
}

std::optional<agent::task_record> insert_task(pqxx::work& tx, const agent::task_spawn& s,
                                              const std::string* completed_with) {
  std::optional<std::string> tools;
  if (s.tools)
    tools = nlohmann::json(*s.tools).dump();
  std::optional<std::string> model;
  if (!s.model.empty())
    model = s.model;
  std::optional<std::string> cache;
  if (s.cache)
    cache = cache_note_json(*s.cache);
  std::optional<std::string> result;
  if (completed_with != nullptr)
    result = *completed_with;
  // One statement: the task and its conversation (on its parent's
  // workspace, owner and permissions), in one round trip.
  static const std::string sql =
    "WITH t AS (INSERT INTO tasks (id, chat_id, parent_actor, parent_turn, call_id, depth,"
    " description, prompt, tools, model, worktree, spec_hash, schema, phase, max_turns, cache,"
    " state, result, started_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb,"
    " $10, $11, nullif($12, ''), nullif($13, '')::jsonb, nullif($14, ''), nullif($15, 0),"
    " $16::jsonb, CASE WHEN $17::text IS NULL THEN 'queued' ELSE 'completed' END, $17,"
    " CASE WHEN $17::text IS NULL THEN NULL ELSE now() END,"
    " CASE WHEN $17::text IS NULL THEN NULL ELSE now() END)"
    " ON CONFLICT (parent_actor, parent_turn, call_id) DO NOTHING RETURNING " +
    task_columns +
    "), c AS (INSERT INTO chats (id, workspace, title, build_command, owner, permission_mode,"
    " allow_rules, network, env, kind, parent_chat) SELECT $1, workspace, $7, build_command,"
    " owner, permission_mode, allow_rules, network, env, actor_kind_of($1), $2 FROM chats"
    " WHERE id = $3 AND EXISTS (SELECT 1 FROM t) ON CONFLICT (id) DO NOTHING)"
    " SELECT * FROM t";
  auto inserted = tx.exec_params(sql, s.id, s.chat_id, s.parent_actor, s.parent_turn, s.call_id,
                                 s.depth, s.description, s.prompt, tools, model, s.worktree,
                                 s.spec_hash, s.schema, s.phase, s.max_turns, cache, result);
  if (inserted.empty())
    return std::nullopt;
  return to_task(inserted[0]);
}

std::string end_task_ctes(const task_end_params& p) {
  auto from = p.after.empty() ? std::string() : " FROM " + p.after;
  return fmt::format(
    ", ended AS (UPDATE tasks SET state = {1}::text, result = {2}::text,"
    " error = nullif({3}::text, ''), ended_at = now(){5} WHERE id = {0}"
    " AND {1}::text IS NOT NULL AND state IN ('queued', 'running') RETURNING parent_actor)"
    ", note AS (INSERT INTO inbox (actor_id, kind, content, client_id)"
    " SELECT parent_actor, 'notification', {4}::text, 'task:' || {0} FROM ended"
    " WHERE parent_actor <> {0}"
    " ON CONFLICT DO NOTHING RETURNING id, {6} AS created_at, actor_id)",
    p.id, p.state, p.result, p.error, p.note, from, iso_time("created_at"));
}

} // namespace boocode::storage
