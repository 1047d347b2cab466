#include "storage/chat_repository.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "storage/connection.hpp"
#include "storage/storage_error.hpp"

namespace boocode::storage {

namespace {

/// created_at as ISO 8601 UTC with milliseconds, e.g. 2026-11-24T06:10:00.123Z.
const std::string iso_created_at =
  "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

const std::string chat_columns = "id, workspace, title, build_command::text, " + iso_created_at +
                                 ", archived_at IS NOT NULL, last_seq, turns";

const std::string message_columns =
  "id, chat_id, role, content, reasoning, tool_calls::text, tool_call_id, tool_name, outcome,"
  " exit_code, duration_ms, turn, coalesce(client_id, ''), usage::text, " +
  iso_created_at;

chat::chat_record to_chat(const pqxx::row& row) {
  chat::chat_record c;
  c.id = row[0].as<std::string>();
  c.workspace = row[1].as<std::string>();
  c.title = row[2].as<std::string>();
  if (!row[3].is_null())
    c.build_command = nlohmann::json::parse(row[3].c_str()).get<std::vector<std::string>>();
  c.created_at = row[4].as<std::string>();
  c.archived = row[5].as<bool>();
  c.last_seq = row[6].as<int64_t>();
  c.turns = row[7].as<int>();
  return c;
}

/// The usage jsonb is model::to_json(usage); "reported": false is added only
/// for the rare usage the provider did not report, so it round-trips.
std::string usage_to_text(const model::token_usage& u) {
  auto j = model::to_json(u);
  if (!u.reported)
    j["reported"] = false;
  return j.dump();
}

std::string tool_calls_to_text(const std::vector<model::tool_call>& calls) {
  auto j = nlohmann::json::array();
  for (auto& c : calls)
    j.push_back({{"id", c.id}, {"name", c.name}, {"arguments", c.arguments}});
  return j.dump();
}

std::vector<model::tool_call> tool_calls_from_text(const char* text) {
  std::vector<model::tool_call> out;
  for (auto& c : nlohmann::json::parse(text))
    out.push_back({c.at("id").get<std::string>(), c.at("name").get<std::string>(),
                   c.at("arguments").get<std::string>()});
  return out;
}

chat::message_record to_message(const pqxx::row& row) {
  chat::message_record m;
  m.id = row[0].as<int64_t>();
  m.chat_id = row[1].as<std::string>();
  m.role = row[2].as<std::string>();
  m.content = row[3].as<std::string>();
  m.reasoning = row[4].as<std::string>();
  m.tool_calls = tool_calls_from_text(row[5].c_str());
  m.tool_call_id = row[6].as<std::string>();
  m.tool_name = row[7].as<std::string>();
  m.outcome = row[8].as<std::string>();
  m.exit_code = nullable<int>(row[9]);
  m.duration_ms = nullable<int64_t>(row[10]);
  m.turn = nullable<int>(row[11]);
  m.client_id = row[12].as<std::string>();
  if (!row[13].is_null())
    m.usage = model::usage_from_json(nlohmann::json::parse(row[13].c_str()));
  m.created_at = row[14].as<std::string>();
  return m;
}

std::vector<chat::message_record> to_messages(const pqxx::result& r) {
  std::vector<chat::message_record> out;
  out.reserve(r.size());
  for (const auto& row : r)
    out.push_back(to_message(row));
  return out;
}

/// A PostgreSQL array literal of ids, for `= ANY($n::bigint[])`.
std::string id_array(const std::vector<int64_t>& ids) {
  std::string out = "{";
  for (size_t i = 0; i < ids.size(); ++i)
    out += (i == 0 ? "" : ",") + std::to_string(ids[i]);
  return out + "}";
}

std::optional<std::string> null_if_empty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>{s};
}

} // namespace

struct chat_repository::impl {
  explicit impl(std::string conninfo) : db(std::move(conninfo)) {}
  connection db;
};

chat_repository::chat_repository(std::string conninfo)
  : impl_(std::make_unique<impl>(std::move(conninfo))) {}

chat_repository::~chat_repository() = default;

chat::chat_record chat_repository::create_chat(const chat::chat_record& chat) {
  return impl_->db.with("create chat", [&](pqxx::connection& c) {
    std::optional<std::string> build;
    if (chat.build_command)
      build = nlohmann::json(*chat.build_command).dump();
    pqxx::work tx{c};
    auto row =
      tx.exec_params1(fmt::format("INSERT INTO chats (id, workspace, title, build_command,"
                                  " last_seq, turns) VALUES ($1, $2, $3, $4::jsonb, $5, $6)"
                                  " RETURNING {}",
                                  chat_columns),
                      chat.id, chat.workspace, chat.title, build, chat.last_seq, chat.turns);
    tx.commit();
    return to_chat(row);
  });
}

std::vector<chat::chat_record> chat_repository::list_chats(int limit) {
  return impl_->db.with("list chats", [&](pqxx::connection& c) {
    pqxx::read_transaction tx{c};
    auto r = tx.exec_params(fmt::format("SELECT {} FROM chats WHERE archived_at IS NULL"
                                        " ORDER BY created_at DESC, id DESC LIMIT $1",
                                        chat_columns),
                            std::max(limit, 0));
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
    tx.commit();
    return r.affected_rows() == 1;
  });
}

std::vector<chat::message_record> chat_repository::messages(const std::string& chat_id) {
  return impl_->db.with("list messages", [&](pqxx::connection& c) {
    pqxx::read_transaction tx{c};
    return to_messages(tx.exec_params(
      fmt::format("SELECT {} FROM messages WHERE chat_id = $1 ORDER BY id", message_columns),
      chat_id));
  });
}

chat_repository::posted chat_repository::append_user_message(const std::string& chat_id,
                                                             const std::string& text,
                                                             const std::string& client_id) {
  return impl_->db.with("append user message", [&](pqxx::connection& c) {
    // Two statements, not one: under READ COMMITTED the SELECT takes a new
    // snapshot, so it sees the row a concurrent caller committed (the one
    // that made our INSERT do nothing). The loop covers that row vanishing
    // in between, which nothing does today.
    for (int attempt = 0; attempt < 3; ++attempt) {
      pqxx::work tx{c};
      auto inserted =
        tx.exec_params("INSERT INTO messages (chat_id, role, content, client_id)"
                       " VALUES ($1, 'user', $2, $3)"
                       " ON CONFLICT (chat_id, client_id) WHERE client_id IS NOT NULL DO NOTHING"
                       " RETURNING id",
                       chat_id, text, null_if_empty(client_id));
      if (!inserted.empty()) {
        tx.commit();
        return posted{inserted[0][0].as<int64_t>(), false};
      }
      auto existing = tx.exec_params(
        "SELECT id FROM messages WHERE chat_id = $1 AND client_id = $2", chat_id, client_id);
      tx.commit();
      if (!existing.empty())
        return posted{existing[0][0].as<int64_t>(), true};
    }
    throw storage_error("append user message: client_id conflict did not resolve");
  });
}

chat::message_record chat_repository::append_message(chat::message_record m) {
  return impl_->db.with("append message", [&](pqxx::connection& c) {
    std::optional<std::string> usage;
    if (m.usage)
      usage = usage_to_text(*m.usage);
    pqxx::work tx{c};
    auto row = tx.exec_params1(
      "INSERT INTO messages (chat_id, role, content, reasoning, tool_calls, tool_call_id,"
      " tool_name, outcome, exit_code, duration_ms, turn, client_id, usage)"
      " VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12, $13::jsonb)"
      " RETURNING id, " +
        iso_created_at,
      m.chat_id, m.role, m.content, m.reasoning, tool_calls_to_text(m.tool_calls), m.tool_call_id,
      m.tool_name, m.outcome, m.exit_code, m.duration_ms, m.turn, null_if_empty(m.client_id),
      usage);
    tx.commit();
    m.id = row[0].as<int64_t>();
    m.created_at = row[1].as<std::string>();
    return m;
  });
}

std::vector<chat::message_record>
chat_repository::pending_user_messages(const std::string& chat_id) {
  return impl_->db.with("list pending messages", [&](pqxx::connection& c) {
    pqxx::read_transaction tx{c};
    return to_messages(tx.exec_params(fmt::format("SELECT {} FROM messages WHERE chat_id = $1"
                                                  " AND turn IS NULL AND role = 'user' ORDER BY id",
                                                  message_columns),
                                      chat_id));
  });
}

void chat_repository::start_turn(const std::string& chat_id, int turn,
                                 const std::vector<int64_t>& message_ids) {
  impl_->db.with("start turn", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    auto chat = tx.exec_params("UPDATE chats SET turns = $2 WHERE id = $1", chat_id, turn);
    if (chat.affected_rows() != 1)
      throw storage_error(fmt::format("start turn: unknown chat {}", chat_id));
    tx.exec_params("UPDATE messages SET turn = $2 WHERE chat_id = $1 AND id = ANY($3::bigint[])",
                   chat_id, turn, id_array(message_ids));
    tx.commit();
  });
}

void chat_repository::save_seq(const std::string& chat_id, int64_t last_seq) {
  impl_->db.with("save seq", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    auto r = tx.exec_params("UPDATE chats SET last_seq = GREATEST(last_seq, $2) WHERE id = $1",
                            chat_id, last_seq);
    if (r.affected_rows() != 1)
      throw storage_error(fmt::format("save seq: unknown chat {}", chat_id));
    tx.commit();
  });
}

} // namespace boocode::storage
