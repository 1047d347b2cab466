#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/chat/events.hpp"
#include "runtime/chat/records.hpp"
#include "runtime/model/usage.hpp"
#include "runtime/trace/trace_queue.hpp"

// The REST records (docs/api.md) as JSON: chats, messages, the timeline,
// usage, health and errors. A message and usage are also members of frames
// and of stored rows, written here too. Traces: runtime/protocol/traces.hpp.

namespace boocode::protocol {

/// The value, or null when there is none.
template <class T>
nlohmann::json or_null(const std::optional<T>& x) {
  return x ? nlohmann::json(*x) : nlohmann::json(nullptr);
}

/// The text, or null when it is empty.
inline nlohmann::json or_null(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

/// {"prompt","cache_hit","cache_miss","cache_write","completion","reasoning"}.
nlohmann::json to_json(const model::token_usage& u);
/// The inverse, as stored rows hold it: missing or non-numeric fields are
/// zero; `reported` is read from a "reported" member, true when there is none.
model::token_usage usage_from_json(const nlohmann::json& j);

/// An attachment as messages and the upload answer carry it:
/// {id, sha256, media_type, bytes, width, height, name}.
nlohmann::json to_json(const model::image_ref& img);
/// The reverse (a stored array's element); throws nlohmann::json::exception.
model::image_ref image_ref_from_json(const nlohmann::json& j);
nlohmann::json to_json(const std::vector<model::image_ref>& images);
std::vector<model::image_ref> image_refs_from_json(const nlohmann::json& j);

nlohmann::json to_json(const chat::chat_record& c);
/// {"id", "turn", "call_id", "tool", "arguments" (the call's JSON text), "reason"}.
nlohmann::json to_json(const chat::approval_requested& a);
/// {"id", "decision", "note", "user"}.
nlohmann::json to_json(const chat::approval_answer& a);
/// GET /api/chats/:id/approvals: {"items": [approval, ...]}.
nlohmann::json approval_list(const std::vector<chat::approval_requested>& pending);
nlohmann::json to_json(const chat::message_record& m);
/// GET /api/chats/:id: the chat, its status and its messages.
nlohmann::json to_json(const chat::chat_view& v);
nlohmann::json to_json(const chat::timeline_turn& t);

/// GET /api/chats: {"items": [chat, ...]}.
nlohmann::json chat_list(const std::vector<chat::chat_record>& chats);
/// GET /api/chats/:id/timeline: {"turns": [turn, ...]}.
nlohmann::json timeline(const std::vector<chat::timeline_turn>& turns);
/// POST /api/chats/:id/messages: {"message_id"}.
nlohmann::json posted(int64_t message_id);
/// POST /api/chats/:id/restart: {"restarted"}.
nlohmann::json restarted(bool restarted);
/// How loaded a node is, for GET /api/health: its database pool, its
/// sessions, and its memory.
struct node_load {
  int pool_size = 0;
  int pool_open = 0;
  int pool_in_use = 0;
  int pool_peak = 0;
  int pool_waiting = 0;
  int64_t sessions_loaded = 0;
  int64_t sessions_unloaded = 0; // passivated: lease kept, state dropped
  int64_t turns_running = 0;
  int64_t rss_bytes = 0;
  int64_t heap_bytes = 0; // allocated by malloc and not freed
};

/// GET /api/health/ready's answer: {"ready": bool, "checks": {"migrations",
/// "database", "cluster", "draining"}} (the first three true when passed).
nlohmann::json readiness(bool ready, bool migrations, bool database, bool cluster, bool draining);

/// GET /api/health: {"status": "ok", "node_id", "version", "traces": {...},
/// "database": {...}, "sessions": {...}, "memory": {...}}.
nlohmann::json health(std::string_view node_id, std::string_view version,
                      const std::optional<trace::queue_stats>& traces,
                      const std::optional<node_load>& load = std::nullopt);
/// GET /api/me and POST /api/login: who the requester is, {"user", "role",
/// "open"}; open: the node has no users (loopback), everyone is "local".
nlohmann::json who(std::string_view user, user_role role, bool open);
/// Every refused request: {"error": {"code", "message"}}.
nlohmann::json error_body(std::string_view code, std::string_view message);

} // namespace boocode::protocol
