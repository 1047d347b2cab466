#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/chat/records.hpp"

namespace boocode::storage {

/// The chats and messages tables. Holds one connection, reopened after a
/// failure; not thread-safe (one owner per instance: give each actor or
/// thread its own repository). Every call throws storage_error on failure.
class chat_repository {
public:
  explicit chat_repository(std::string conninfo);
  ~chat_repository();

  /// Inserts a chat with the caller's id; returns the stored row (created_at
  /// filled, ISO 8601 UTC with milliseconds). A taken id is a storage_error.
  chat::chat_record create_chat(const chat::chat_record& chat);

  /// Chats not archived, newest first, at most `limit`.
  std::vector<chat::chat_record> list_chats(int limit = 200);

  /// Any chat, archived ones included (archived = true).
  std::optional<chat::chat_record> find_chat(const std::string& id);

  /// Marks the chat archived (once; archiving again keeps the first time);
  /// false for an unknown id.
  bool archive_chat(const std::string& id);

  /// The chat's messages in id order (empty for an unknown chat).
  std::vector<chat::message_record> messages(const std::string& chat_id);

  /// The id of a stored user message; `duplicate` when `client_id` had
  /// already been stored for this chat and nothing new was written.
  struct posted {
    int64_t id = 0;
    bool duplicate = false;
  };

  /// Stores a user message with no turn yet (pending). A non-empty
  /// `client_id` is stored at most once per chat, also under concurrent
  /// calls. An unknown chat is a storage_error.
  posted append_user_message(const std::string& chat_id, const std::string& text,
                             const std::string& client_id);

  /// Stores an assistant or tool message (every field but id and
  /// created_at, which come back filled). An unknown chat is a storage_error.
  chat::message_record append_message(chat::message_record message);

  /// User messages of the chat that no turn has taken yet, in id order.
  std::vector<chat::message_record> pending_user_messages(const std::string& chat_id);

  /// In one transaction: gives the listed messages (of this chat) to `turn`
  /// and sets the chat's turns to `turn`.
  void start_turn(const std::string& chat_id, int turn, const std::vector<int64_t>& message_ids);

  /// Raises the chat's last_seq to `last_seq` (never lowers it).
  void save_seq(const std::string& chat_id, int64_t last_seq);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace boocode::storage
