#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "runtime/chat/events.hpp"
#include "runtime/chat/live_view.hpp"
#include "runtime/protocol/states.hpp"

// The WebSocket frames (docs/protocol.md): every frame the node sends is
// written here, and every frame a client sends is read here. The frame types
// are the server_frame and client_frame tables in states.hpp.

namespace boocode::protocol {

/// The frame type an event goes out as.
server_frame frame_type(const chat::agent_event& e);

/// The chat frame of `e`: {"type", "chat_id", "seq", ...the event's fields}.
std::string chat_frame(std::string_view chat_id, int64_t seq, const chat::agent_event& e);

/// What a `snapshot` frame says before its view.
struct snapshot_head {
  std::string_view chat_id;
  int64_t seq = 0;
  int64_t epoch = 0;
  session_status status = session_status::idle;
};

/// A full snapshot: the chat as `view` shows it at `head.seq` (messages,
/// the turn in progress, usage).
std::string snapshot_frame(const snapshot_head& head, const chat::live_view& view);

/// A resumed snapshot (`head.seq` is the subscriber's after_seq): the frames
/// it missed follow.
std::string resumed_snapshot_frame(const snapshot_head& head);

/// The first frame of a connection.
std::string hello_frame(std::string_view node_id, std::string_view version);

/// The answer to a ping.
std::string pong_frame();

/// An error about a client frame, to that connection only (no seq);
/// `chat_id` when the frame named a chat.
std::string error_frame(std::string_view code, std::string_view message,
                        std::string_view chat_id = {});

/// The chat's session does not run: why (`reason`), crashes in the window
/// (0 unless it failed) and the error in words.
std::string session_failed_frame(std::string_view chat_id, session_failure reason, size_t crashes,
                                 std::string_view error);

/// Client frames, as read.
struct ping_request {};
struct subscribe_request {
  std::string chat_id;
  int64_t after_seq = -1; // -1: none (a full snapshot)
  int64_t epoch = 0;
};
struct unsubscribe_request {
  std::string chat_id;
};
struct user_message_request {
  std::string chat_id;
  std::string text;
  std::string client_id;
  std::vector<std::string> attachments; // ids of the chat's uploads
};
struct cancel_request {
  std::string chat_id;
};
struct approval_answer_request {
  std::string chat_id;
  std::string id;
  approval_decision decision = approval_decision::deny;
  std::string note;
};

/// A client frame that cannot be handled: the error frame's code and
/// message (bad_frame, unknown_type, too_large), and its chat when it named one.
struct frame_refusal {
  std::string code;
  std::string message;
  std::string chat_id;
};

using client_request =
  std::variant<ping_request, subscribe_request, unsubscribe_request, user_message_request,
               cancel_request, approval_answer_request, frame_refusal>;

/// Reads one client frame of at most `max_bytes`. The text of a
/// user_message is not checked here beyond its type (see chat::validate_message).
client_request read_client_frame(std::string_view text, size_t max_bytes);

} // namespace boocode::protocol
