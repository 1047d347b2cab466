#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "runtime/chat/service.hpp"

// The bodies of the API's requests (docs/api.md), read: what each route
// takes, or the message of its 400 (code invalid_argument). The values are
// checked further by the service (chat::validate_new_chat, ...).

namespace boocode::protocol {

/// Why a body was refused, for people.
struct body_error {
  std::string message;
};

/// POST /api/chats: {"workspace", "title"?, "build_command"?,
/// "permission_mode"?, "network"?}.
std::variant<chat::new_chat, body_error> read_new_chat(std::string_view body);

/// POST /api/chats/:id/messages: {"text", "client_id"?}.
struct message_post {
  std::string text;
  std::string client_id;
  std::vector<std::string> attachments; // ids of the chat's uploads
};

/// The optional "attachments" member of a message (REST body or
/// user_message frame) into `ids`: an array of attachment ids
/// ("a_" + 16 hex digits), each at most once; the error says what is wrong.
std::optional<std::string> read_attachment_ids(const nlohmann::json& obj,
                                               std::vector<std::string>& ids);
std::variant<message_post, body_error> read_message_post(std::string_view body);

/// POST /api/chats/:id/fork: {"turn"}, a positive integer.
std::variant<int, body_error> read_fork(std::string_view body);
/// PATCH /api/chats/:id: {"title"?, "permission_mode"?, "allow_rules"?,
/// "network"?}; at least one, each of its type (rules as chat::read_rule).
std::variant<chat::chat_patch, body_error> read_chat_patch(std::string_view body);

/// POST /api/chats/:id/approvals/:approval: {"decision", "note"?}; the
/// answer without its id and user (the route's and the caller's).
std::variant<chat::approval_answer, body_error> read_approval_answer(std::string_view body);

/// POST /api/login: {"token": "..."} (1 to 1024 characters); the token.
std::variant<std::string, body_error> read_login(std::string_view body);

/// Longest client_id accepted, in characters.
inline constexpr size_t max_client_id_chars = 200;

} // namespace boocode::protocol
