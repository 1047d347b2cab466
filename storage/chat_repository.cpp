#include "storage/chat_repository.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "storage/connection.hpp"
#include "storage/rows.hpp"
#include "storage/storage_error.hpp"

namespace boocode::storage {

struct chat_repository::impl {
  explicit impl(connection c) : db(std::move(c)) {}
  connection db;
};

chat_repository::chat_repository(std::string conninfo)
  : impl_(std::make_unique<impl>(connection{std::move(conninfo)})) {}

chat_repository::chat_repository(std::shared_ptr<pool> p)
  : impl_(std::make_unique<impl>(connection{std::move(p), "chat_repository"})) {}

chat_repository::~chat_repository() = default;

chat::chat_record chat_repository::create_chat(const chat::chat_record& chat) {
  return impl_->db.with("create chat", [&](pqxx::connection& c) {
    std::optional<std::string> build;
    if (chat.build_command)
      build = nlohmann::json(*chat.build_command).dump();
    pqxx::work tx{c};
    auto row = tx.exec_params1(
      fmt::format("INSERT INTO chats (id, workspace, title, build_command, last_seq, turns,"
                  " owner, permission_mode, allow_rules, network, env) VALUES ($1, $2, $3,"
                  " $4::jsonb, $5, $6, $7, $8, $9::jsonb, $10, $11::jsonb) RETURNING {}",
                  chat_columns),
      chat.id, chat.workspace, chat.title, build, chat.last_seq, chat.turns, chat.owner,
      std::string(protocol::to_string(chat.permissions.mode)),
      chat::to_json(chat.permissions.rules).dump(), chat.permissions.network,
      nlohmann::json(chat.permissions.variables).dump());
    tx.commit();
    return to_chat(row);
  });
}

std::vector<chat::chat_record> chat_repository::list_chats(const std::optional<std::string>& owner,
                                                           int limit) {
  return impl_->db.with("list chats", [&](pqxx::connection& c) {
    pqxx::read_transaction tx{c};
    auto r = tx.exec_params(fmt::format("SELECT {} FROM chats WHERE archived_at IS NULL"
                                        " AND kind = 'chat' AND ($2::text IS NULL OR owner = $2)"
                                        " ORDER BY created_at DESC, id DESC LIMIT $1",
                                        chat_columns),
                            std::max(limit, 0), owner);
    std::vector<chat::chat_record> out;
    out.reserve(r.size());
    for (const auto& row : r)
      out.push_back(to_chat(row));
    return out;
  });
}

std::optional<chat::chat_record> chat_repository::find_chat(const std::string& id) {
  return impl_->db.with("find chat", [&](pqxx::connection& c) -> std::optional<chat::chat_record> {
    pqxx::read_transaction tx{c};
    auto r = tx.exec_params(fmt::format("SELECT {} FROM chats WHERE id = $1", chat_columns), id);
    if (r.empty())
      return std::nullopt;
    return to_chat(r[0]);
  });
}

bool chat_repository::archive_chat(const std::string& id) {
  return impl_->db.with("archive chat", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    auto r = tx.exec_params(
      "UPDATE chats SET archived_at = coalesce(archived_at, now()) WHERE id = $1", id);
    // Its images go with it (their bytes too, once no other chat holds them).
    tx.exec_params("DELETE FROM attachments WHERE chat_id = $1", id);
    tx.commit();
    return r.affected_rows() == 1;
  });
}

std::vector<chat::message_record> chat_repository::messages(const std::string& chat_id) {
  return impl_->db.with("list messages", [&](pqxx::connection& c) {
    pqxx::read_transaction tx{c};
    return to_messages(tx.exec_params(
      fmt::format("SELECT {} FROM messages WHERE chat_id = $1 ORDER BY turn, id", message_columns),
      chat_id));
  });
}

std::vector<chat::timeline_turn> chat_repository::timeline(const std::string& chat_id) {
  return impl_->db.with("read timeline", [&](pqxx::connection& c) {
    pqxx::read_transaction tx{c};
    // Finished turns, then the one in progress (its start is in the journal).
    auto r = tx.exec_params(
      "SELECT t.turn, " + iso_time("t.started_at") + ", " + iso_time("t.finished_at") +
        ", (extract(epoch FROM t.finished_at - t.started_at) * 1000)::bigint, t.outcome, t.error,"
        " t.usage::text, t.model_calls, t.tool_calls, u.id, left(u.content, 120)"
        " FROM chat_turns t LEFT JOIN LATERAL (SELECT id, content FROM messages m"
        " WHERE m.chat_id = t.chat_id AND m.turn = t.turn AND m.role = 'user' ORDER BY id"
        " LIMIT 1) u ON true WHERE t.chat_id = $1"
        " UNION ALL SELECT j.turn, " +
        iso_time("j.created_at") +
        ", NULL, NULL, NULL, '', NULL, 0, 0, u.id, left(u.content, 120)"
        " FROM turn_journal j LEFT JOIN LATERAL (SELECT id, content FROM inbox i"
        " WHERE i.actor_id = j.actor_id AND i.taken_turn = j.turn AND i.consumed_at IS NULL"
        " ORDER BY id LIMIT 1) u ON true"
        " WHERE j.actor_id = $1 AND j.kind = 'start' ORDER BY 1",
      chat_id);
    std::vector<chat::timeline_turn> out;
    out.reserve(r.size());
    for (const auto& row : r) {
      chat::timeline_turn t;
      t.turn = row[0].as<int>();
      t.started_at = row[1].as<std::string>();
      t.finished_at = nullable<std::string>(row[2]);
      t.duration_ms = nullable<int64_t>(row[3]);
      if (!row[4].is_null()) // null: the turn runs
        t.outcome = protocol::from_text<protocol::turn_outcome>(row[4].as<std::string>());
      t.error = row[5].as<std::string>();
      if (!row[6].is_null())
        t.usage = protocol::usage_from_json(nlohmann::json::parse(row[6].c_str()));
      t.model_calls = row[7].as<int>();
      t.tool_calls = row[8].as<int>();
      t.first_message_id = nullable<int64_t>(row[9]);
      t.preview = row[10].is_null() ? std::string() : row[10].as<std::string>();
      out.push_back(std::move(t));
    }
    return out;
  });
}

chat::chat_record chat_repository::fork_chat(const std::string& chat_id, int turn,
                                             const chat::chat_record& fork) {
  return impl_->db.with("fork chat", [&](pqxx::connection& c) {
    std::optional<std::string> build;
    if (fork.build_command)
      build = nlohmann::json(*fork.build_command).dump();
    pqxx::work tx{c};
    auto finished =
      tx.exec_params("SELECT 1 FROM chat_turns WHERE chat_id = $1 AND turn = $2", chat_id, turn);
    if (finished.empty())
      throw storage_error(fmt::format("fork chat: turn {} of {} has not finished", turn, chat_id));
    auto row =
      tx.exec_params1(fmt::format("INSERT INTO chats (id, workspace, title, build_command, turns,"
                                  " owner, permission_mode, allow_rules, network, env,"
                                  " forked_from) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7,"
                                  " $8::jsonb, $9, $10::jsonb, $11) RETURNING {}",
                                  chat_columns),
                      fork.id, fork.workspace, fork.title, build, turn, fork.owner,
                      std::string(protocol::to_string(fork.permissions.mode)),
                      chat::to_json(fork.permissions.rules).dump(), fork.permissions.network,
                      nlohmann::json(fork.permissions.variables).dump(), chat_id);
    tx.exec_params("INSERT INTO messages (chat_id, role, content, reasoning, tool_calls,"
                   " tool_call_id, tool_name, outcome, exit_code, duration_ms, turn, client_id,"
                   " usage, created_at, attachments) SELECT $2, role, content, reasoning,"
                   " tool_calls, tool_call_id, tool_name, outcome, exit_code, duration_ms, turn,"
                   " client_id, usage, created_at, attachments FROM messages WHERE chat_id = $1"
                   " AND turn <= $3 ORDER BY turn, id",
                   chat_id, fork.id, turn);
    // Its images, under the same ids (the copied messages name them).
    tx.exec_params("INSERT INTO attachments (id, chat_id, owner, sha256, name, created_at,"
                   " referenced_at) SELECT id, $2, $3, sha256, name, created_at, referenced_at"
                   " FROM attachments WHERE chat_id = $1 ON CONFLICT DO NOTHING",
                   chat_id, fork.id, fork.owner);
    tx.exec_params("INSERT INTO chat_turns SELECT $2, turn, started_at, finished_at, outcome,"
                   " error, usage, model_calls, tool_calls FROM chat_turns"
                   " WHERE chat_id = $1 AND turn <= $3",
                   chat_id, fork.id, turn);
    tx.commit();
    return to_chat(row);
  });
}

std::optional<chat::chat_record> chat_repository::update_chat(const std::string& id,
                                                              const chat::chat_patch& patch) {
  return impl_->db.with(
    "update chat", [&](pqxx::connection& c) -> std::optional<chat::chat_record> {
      std::optional<std::string> mode;
      if (patch.permission_mode)
        mode = std::string(protocol::to_string(*patch.permission_mode));
      std::optional<std::string> rules;
      if (patch.allow_rules)
        rules = chat::to_json(*patch.allow_rules).dump();
      std::optional<std::string> env;
      if (patch.env)
        env = nlohmann::json(*patch.env).dump();
      pqxx::work tx{c};
      auto r = tx.exec_params(
        fmt::format(
          "UPDATE chats SET title = coalesce($2, title),"
          " permission_mode = coalesce($3, permission_mode),"
          " allow_rules = coalesce($4::jsonb, allow_rules), network = coalesce($5, network),"
          " env = coalesce($6::jsonb, env) WHERE id = $1 AND archived_at IS NULL RETURNING {}",
          chat_columns),
        id, patch.title, mode, rules, patch.network, env);
      tx.commit();
      if (r.empty())
        return std::nullopt;
      return to_chat(r[0]);
    });
}

chat::chat_permissions chat_repository::permissions(const std::string& id) {
  return impl_->db.with("read the chat's permissions", [&](pqxx::connection& c) {
    pqxx::read_transaction tx{c};
    auto r = tx.exec_params(
      "SELECT permission_mode, allow_rules::text, network, env::text FROM chats WHERE id = $1", id);
    if (r.empty())
      throw storage_error("read the chat's permissions: no chat " + id);
    chat::chat_permissions p;
    p.mode = protocol::from_text<protocol::permission_mode>(r[0][0].as<std::string>());
    p.rules = chat::read_rules(nlohmann::json::parse(r[0][1].c_str()));
    p.network = r[0][2].as<bool>();
    p.variables = nlohmann::json::parse(r[0][3].c_str()).get<std::map<std::string, std::string>>();
    return p;
  });
}

void chat_repository::add_allow_rule(const std::string& id, const chat::allow_rule& rule) {
  impl_->db.with("add an allow rule", [&](pqxx::connection& c) {
    auto one = nlohmann::json::array({chat::to_json(rule)}).dump();
    pqxx::work tx{c};
    tx.exec_params("UPDATE chats SET allow_rules = allow_rules || $2::jsonb"
                   " WHERE id = $1 AND NOT allow_rules @> $2::jsonb",
                   id, one);
    tx.commit();
  });
}

} // namespace boocode::storage
