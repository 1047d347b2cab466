#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "runtime/agent/task.hpp"
#include "runtime/chat/events.hpp"
#include "runtime/chat/records.hpp"
#include "runtime/trace/trace_query.hpp"
#include "runtime/trace/usage_summary.hpp"

namespace boocode::chat {

/// A refused request: the HTTP status, a stable code and a message for people.
struct service_error {
  int status = 400;
  std::string code;
  std::string message;
};

template <class T>
using result = std::variant<T, service_error>;

/// POST /api/chats, validated by validate_new_chat.
struct new_chat {
  std::string workspace;
  std::string title;
  std::optional<std::vector<std::string>> build_command;
  /// Who creates it: the chat's owner.
  std::string owner = "local";
  /// None: the node's default (ask with users, allow on an open node).
  std::optional<protocol::permission_mode> permission_mode;
  bool network = false;
  /// Its own variables for its commands (checked by variable_error).
  std::map<std::string, std::string> env;
};

/// Who makes a request: a user, and whether they are an admin (who reaches
/// every chat; a user reaches their own).
struct caller {
  std::string user = "local";
  bool admin = true;
};

struct posted_message {
  int64_t message_id = 0;
  bool duplicate = false;
};

/// Where a chat's frames go: one browser connection. Implemented by the
/// HTTP server's WebSocket connection; send_frame is thread-safe.
class frame_sink {
public:
  virtual ~frame_sink() = default;
  virtual uint64_t id() const = 0;
  virtual void send_frame(std::string json) = 0;
  /// Sends frames in order, together (one hand-over to the connection).
  virtual void send_frames(std::vector<std::string> frames) {
    for (auto& f : frames)
      send_frame(std::move(f));
  }
};

/// Where a subscriber continues from: the last seq it applied and the epoch
/// of the snapshot it had (after_seq -1: it has nothing; send everything).
struct resume_point {
  int64_t after_seq = -1;
  int64_t epoch = 0;
};

/// What the HTTP routes and the WebSocket handler ask of the chats. Lives
/// here so net/ need not know actors/; implemented in actors/. Calls come
/// from the HTTP server's threads and may block briefly on the database.
class chat_service {
public:
  virtual ~chat_service() = default;
  virtual result<chat_record> create_chat(const new_chat& req) = 0;
  /// Chats not archived, newest first: `owner`'s only, when given.
  virtual result<std::vector<chat_record>> list_chats(const std::optional<std::string>& owner) = 0;
  /// Whether `who` may reach chat `chat_id`: true, or 404 not_found (the same
  /// answer as for a chat that does not exist, so ids cannot be probed).
  virtual result<bool> reach(const caller& who, const std::string& chat_id) = 0;
  virtual result<chat_view> get_chat(const std::string& id) = 0;
  virtual result<chat_record> archive_chat(const std::string& id) = 0;
  /// Stores the message (with the chat's uploads `attachments` names, in
  /// that order: 400 unknown_attachment when one is not the chat's, and
  /// nothing is stored), then wakes the chat's session; answers once stored.
  virtual result<posted_message> post_message(const std::string& chat_id, const std::string& text,
                                              const std::string& client_id,
                                              const std::vector<std::string>& attachments) = 0;
  virtual result<bool> cancel(const std::string& chat_id) = 0;
  /// The chat's turns, oldest first (404 for an unknown chat).
  virtual result<std::vector<timeline_turn>> timeline(const std::string& chat_id) = 0;
  /// A new chat with the conversation of `chat_id` up to and including
  /// finished turn `turn` (the workspace's files are not restored).
  virtual result<chat_record> fork(const std::string& chat_id, int turn,
                                   const std::string& owner) = 0;
  /// What the chat's model calls and those of the agents it started used
  /// and cost (404 for an unknown chat).
  virtual result<trace::usage_summary> usage(const std::string& chat_id) = 0;
  /// One page of the chat's traces (404 for an unknown chat).
  virtual result<trace::trace_page> list_traces(const std::string& chat_id,
                                                const trace::trace_query& q) = 0;
  /// The connection receives the chat's frames: a `snapshot` frame, the
  /// frames it missed after `from` (when the session still has them), then
  /// live frames. With `only_if_new`, a connection already subscribed gets
  /// nothing more.
  virtual result<bool> subscribe(const std::shared_ptr<frame_sink>& conn,
                                 const std::string& chat_id, const resume_point& from,
                                 bool only_if_new = false) = 0;
  /// Changes what `patch` sets (title, permission mode, allow rules,
  /// network): the chat as it is then; 404 for an unknown or archived chat.
  /// A turn running goes on with the new permissions from its next reply.
  virtual result<chat_record> update_chat(const std::string& chat_id, const chat_patch& patch) = 0;
  /// The tool calls its turn in progress waits on a decision for, oldest first.
  virtual result<std::vector<approval_requested>> approvals(const std::string& chat_id) = 0;
  /// Answers approval `a.id` of the chat (`a.user` answers): stored once,
  /// then the waiting turn goes on with it on whichever node owns the chat.
  /// 404 not_found for an id no turn waits on (a wrong id, or its turn is
  /// over), 409 already_answered when someone answered it first.
  virtual result<approval_answer> answer_approval(const std::string& chat_id,
                                                  const approval_answer& a) = 0;
  /// The chat's background tasks (at every depth), oldest first (404 for
  /// an unknown chat).
  virtual result<std::vector<agent::task_record>> tasks(const std::string& chat_id) = 0;
  /// Stops task `task_id` of the chat and the tasks it started, or, with
  /// `task_id` empty, every task of the chat that has not ended (Stop all):
  /// how many were stopped. 404 for a task that is not the chat's.
  virtual result<int> stop_tasks(const std::string& chat_id, const std::string& task_id) = 0;
  /// Starts the chat's session again after it failed (true), or answers
  /// false when it runs.
  virtual result<bool> restart(const std::string& chat_id) = 0;
  virtual void unsubscribe(uint64_t conn_id, const std::string& chat_id) = 0;
  virtual void connection_closed(uint64_t conn_id) = 0;
};

/// Longest user message accepted, in bytes.
inline constexpr size_t max_message_bytes = 100'000;

/// Checks a new chat: the workspace must be an absolute path to an existing
/// directory (stored canonical); the title defaults to the folder's name and
/// is at most 200 characters; a build command is a non-empty argv of
/// non-empty strings.
/// With `roots` (canonical folders), the workspace must also lie inside one
/// of them (not be one): 400 naming the roots otherwise.
std::optional<service_error>
validate_new_chat(new_chat& req, const std::vector<std::filesystem::path>& roots = {});

/// Checks a user message's text (non-empty unless it carries images, at
/// most max_message_bytes) and how many images it carries (at most
/// `max_images`).
std::optional<service_error> validate_message(const std::string& text, size_t images,
                                              size_t max_images);

} // namespace boocode::chat
