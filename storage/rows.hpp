#pragma once

// Internal to storage/: how chats and messages rows map to the records.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "runtime/chat/records.hpp"
#include "runtime/protocol/records.hpp"

namespace boocode::storage {

/// `column` as ISO 8601 UTC with milliseconds, e.g. 2026-11-24T06:10:00.123Z.
std::string iso_time(const std::string& column);

/// The chats columns to_chat reads, in its order.
extern const std::string chat_columns;
/// The messages columns to_message reads, in its order.
extern const std::string message_columns;

chat::chat_record to_chat(const pqxx::row& row);
chat::message_record to_message(const pqxx::row& row);
std::vector<chat::message_record> to_messages(const pqxx::result& r);

/// A message as a messages row in JSON (every column; jsonb_populate_record
/// turns it back into a row), and back.
nlohmann::json message_to_row(const chat::message_record& m);
chat::message_record message_from_row(const nlohmann::json& row);

/// A PostgreSQL array literal of ids, for `= ANY($n::bigint[])`.
std::string id_array(const std::vector<int64_t>& ids);
/// A PostgreSQL array literal of strings, for `= ANY($n::text[])`.
std::string text_array(const std::vector<std::string>& items);

} // namespace boocode::storage
