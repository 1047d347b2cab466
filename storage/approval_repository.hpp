#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/chat/events.hpp"
#include "runtime/chat/journal.hpp"
#include "runtime/chat/permissions.hpp"

namespace boocode::storage {

class pool;

/// The approvals of a chat's turn in progress: the requests its turn
/// journaled and the answers users gave, read and written by any node
/// (the answer goes to the chat's inbox, where its owner's turn takes it).
/// Over a connection of its own (not thread-safe) or a pool's (thread-safe).
/// Every call throws storage_error on failure.
class approval_repository {
public:
  explicit approval_repository(std::string conninfo);
  explicit approval_repository(std::shared_ptr<pool> p);
  ~approval_repository();

  /// The requests of the chat's turn in progress that have no answer, in
  /// the order they were made.
  std::vector<chat::approval_requested> pending(const std::string& chat_id);

  /// What answer() found.
  enum class answer_state {
    stored,           // `entry` is the answer, in the inbox, taken by the waiting turn
    unknown,          // no turn in progress asked this (a wrong id, or its turn ended)
    already_answered, // someone answered it before: nothing written
  };
  struct answered {
    answer_state state = answer_state::unknown;
    chat::inbox_entry entry;
  };

  /// Stores `a` as the answer to request `a.id` of chat `chat_id`: once per
  /// request, also under concurrent calls from several nodes.
  answered answer(const std::string& chat_id, const chat::approval_answer& a);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace boocode::storage
