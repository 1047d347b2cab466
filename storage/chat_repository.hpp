#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/chat/records.hpp"

namespace boocode::storage {

class pool;

/// The chats and messages tables. Over a connection of its own (not
/// thread-safe) or a pool's (thread-safe). Every call throws storage_error on failure.
class chat_repository {
public:
  /// With a connection of its own.
  explicit chat_repository(std::string conninfo);
  /// Borrowing the connections of `p` (thread-safe then).
  explicit chat_repository(std::shared_ptr<pool> p);
  ~chat_repository();

  /// Inserts a chat with the caller's id; returns the stored row (created_at
  /// filled, ISO 8601 UTC with milliseconds). A taken id is a storage_error.
  chat::chat_record create_chat(const chat::chat_record& chat);

  /// Chats not archived, newest first, at most `limit`; only `owner`'s when given.
  std::vector<chat::chat_record> list_chats(const std::optional<std::string>& owner = std::nullopt,
                                            int limit = 200);

  /// Any chat, archived ones included (archived = true).
  std::optional<chat::chat_record> find_chat(const std::string& id);

  /// Marks the chat archived (once; archiving again keeps the first time);
  /// false for an unknown id.
  bool archive_chat(const std::string& id);

  /// The messages of the chat's finished turns, in turn order (empty for
  /// an unknown chat). Waiting messages and a turn in progress are the
  /// session repository's.
  std::vector<chat::message_record> messages(const std::string& chat_id);

  /// The chat's turns, oldest first: finished ones and the one in progress
  /// (outcome "running").
  std::vector<chat::timeline_turn> timeline(const std::string& chat_id);

  /// Creates chat `fork.id` (its workspace, title and build command as
  /// given) with the messages and timeline of `chat_id`'s turns 1..turn, in
  /// one transaction; returns it. A turn that has not finished is a
  /// storage_error (callers check it first).
  chat::chat_record fork_chat(const std::string& chat_id, int turn, const chat::chat_record& fork);

  /// Changes what `patch` sets of a live chat; the chat as it is then, or
  /// nothing for an unknown or archived one.
  std::optional<chat::chat_record> update_chat(const std::string& id,
                                               const chat::chat_patch& patch);

  /// The chat's permission mode, rules and network (its turns read them
  /// before each reply's tool calls). An unknown chat is a storage_error.
  chat::chat_permissions permissions(const std::string& id);

  /// Adds `rule` to the chat's allow rules unless it has it ("Always allow").
  void add_allow_rule(const std::string& id, const chat::allow_rule& rule);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace boocode::storage
