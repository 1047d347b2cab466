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
      fmt::format("SELECT {} FROM messages WHERE chat_id = $1 ORDER BY turn, id", message_columns),
      chat_id));
  });
}

} // namespace boocode::storage
