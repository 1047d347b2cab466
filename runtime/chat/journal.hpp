#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/chat/permissions.hpp"
#include "runtime/chat/records.hpp"

namespace boocode::chat {

/// Step names of the journal: the n-th model reply of a turn, the i-th tool
/// call of that reply, and the build after it (n counts from 1).
std::string reply_step(int n);
std::string tool_step(int n, size_t i);
std::string build_step(int n);

/// A tool call about to start: journaled (kind "intent") before it does, so
/// a resumed turn knows it may have taken effect.
struct tool_intent {
  std::string step;
  std::string name;
  std::string arguments;
  /// The call may change something: the turn waits for its intent to be
  /// stored before it starts (a read-only call simply runs again).
  bool changes = false;
  /// The journal entry's data: {"name", "arguments"}.
  nlohmann::json data() const;
};

/// One finished (or, for an intent, started) step of a turn in progress.
struct journal_entry {
  std::string step;
  std::string kind; // message, intent, build, approval
  /// kind message: the message, id and created_at allocated.
  std::optional<message_record> message;
  /// kind intent: {"name", "arguments"}; kind build: {"outcome", "output",
  /// "exit_code", "duration_ms", "failed"}.
  nlohmann::json data;
};

/// A turn that began and has not reached its checkpoint: what a resumed turn
/// takes instead of doing it again.
struct turn_journal {
  int turn = 0;
  std::string started_at; // ISO 8601 UTC
  std::vector<journal_entry> entries;

  /// The entry for `step` of `kind`, or null.
  const journal_entry* find(std::string_view step, std::string_view kind) const;
};

/// What an inbox entry is: a user's message, a notification (a subagent's
/// end, for its parent) or the answer to an approval. Stored as inbox.kind.
/// A task_event is never stored: a task's change (content: its record as
/// JSON) or a subagent's approval request (content: {"task_id", "request"}),
/// delivered to its chat's session for the browsers.
enum class inbox_kind : uint8_t { user_message, notification, approval_answer, task_event };

std::string_view to_string(inbox_kind k);
/// The kind named `name`; nothing for an unknown one.
std::optional<inbox_kind> parse_inbox_kind(std::string_view name);

/// One acknowledged entry of an actor's inbox, not yet consumed by a checkpoint.
struct inbox_entry {
  int64_t id = 0; // becomes the message id
  inbox_kind kind = inbox_kind::user_message;
  std::string content;
  std::string client_id;
  std::string created_at;
  std::optional<int> taken_turn;             // the turn that took it; null while waiting
  std::vector<model::image_ref> attachments; // a user message's images

  /// As a user message of `taken_turn` (or of no turn yet).
  message_record as_message(const std::string& chat_id) const;
  /// Whether the model reads it as a message (a user's or a notification).
  bool is_message() const {
    return kind == inbox_kind::user_message || kind == inbox_kind::notification;
  }
};

/// Everything a session needs to continue its chat, read at its start.
struct session_image {
  chat_record chat;
  /// The session's state at its last checkpoint ({} before the first one):
  /// {"turn", "last_seq", "usage"}.
  nlohmann::json state = nlohmann::json::object();
  /// Messages of finished turns, in turn order.
  std::vector<message_record> history;
  /// The turn in progress, if one began and did not reach its checkpoint.
  std::optional<turn_journal> in_progress;
  /// Acknowledged user messages not yet consumed (taken by the turn in
  /// progress or waiting), in id order.
  std::vector<inbox_entry> inbox;

  /// The chat's usage totals over finished turns (from `state`).
  model::token_usage usage() const;

  /// Whether a turn must run: one is in progress or messages wait (but
  /// notifications alone after a turn the user cancelled: they wait for the
  /// user's next message).
  bool has_work() const;
  /// The answers to the turn in progress's approval requests.
  std::vector<approval_answer> answers() const;
  /// The whole conversation as a reader sees it: history, the turn in
  /// progress (its user messages, then its journaled messages), then the
  /// waiting messages.
  std::vector<message_record> conversation() const;
};

} // namespace boocode::chat
