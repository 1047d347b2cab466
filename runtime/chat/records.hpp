#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/chat/permissions.hpp"
#include "runtime/model/chat_types.hpp"
#include "runtime/model/usage.hpp"
#include "runtime/protocol/states.hpp"

namespace boocode::chat {

/// A chat as stored (table chats) and shown by the API.
struct chat_record {
  std::string id; // "c_" + 16 hex digits
  std::string workspace;
  std::string title;
  std::optional<std::vector<std::string>> build_command;
  std::string created_at; // ISO 8601, UTC, milliseconds
  bool archived = false;
  /// The last frame seq sent for this chat (frames continue after it on restart).
  int64_t last_seq = 0;
  /// Turns started so far.
  int turns = 0;
  /// The user who created it ("local" on a node without users); only they
  /// and admins reach it.
  std::string owner = "local";
  /// Which tool calls wait for a decision; the network for its commands.
  chat_permissions permissions;
  /// Tool calls of its turn in progress waiting for a decision.
  int pending_approvals = 0;
  /// A subagent's conversation (its id is its task's): the chat it works
  /// for. Empty for a chat.
  std::string parent_chat;
  /// How its last finished turn ended (none before the first).
  std::optional<protocol::turn_outcome> last_outcome;

  bool is_subagent() const { return !parent_chat.empty(); }
};

/// PATCH /api/chats/:id: what it changes (the members it has).
struct chat_patch {
  std::optional<std::string> title;
  std::optional<protocol::permission_mode> permission_mode;
  std::optional<std::vector<allow_rule>> allow_rules;
  std::optional<bool> network;
  std::optional<std::map<std::string, std::string>> env;
};

/// One stored message (table messages); see docs/api.md for the fields.
struct message_record {
  int64_t id = 0;
  std::string chat_id;
  protocol::message_role role = protocol::message_role::user;
  std::string content;
  std::string reasoning;
  std::vector<model::tool_call> tool_calls;
  std::string tool_call_id;
  std::string tool_name;
  std::optional<protocol::tool_outcome> outcome; // tool messages only
  std::optional<int> exit_code;
  std::optional<int64_t> duration_ms;
  /// Null for a user message no turn has taken yet.
  std::optional<int> turn;
  std::string client_id;
  std::optional<model::token_usage> usage; // assistant: the model call's usage
  /// A user message's images, or the image a tool call opened (view_image).
  std::vector<model::image_ref> attachments;
  std::string created_at;
};

/// The chat with its messages, as GET /api/chats/:id answers.
struct chat_view {
  chat_record chat;
  std::vector<message_record> messages;
  protocol::chat_status status = protocol::chat_status::idle;
};

/// One turn on the chat's timeline (GET /api/chats/:id/timeline).
struct timeline_turn {
  int turn = 0;
  std::string started_at;                 // ISO 8601 UTC
  std::optional<std::string> finished_at; // null while it runs
  std::optional<int64_t> duration_ms;
  std::optional<protocol::turn_outcome> outcome; // none while it runs
  std::string error;
  model::token_usage usage;
  int model_calls = 0;
  int tool_calls = 0;
  std::optional<int64_t> first_message_id; // the turn's first user message
  std::string preview;                     // its first 120 characters
};

/// The conversation as the model sees it (reasoning and bookkeeping dropped).
model::chat_message to_model_message(const message_record& m);

} // namespace boocode::chat
