#include "runtime/chat/journal.hpp"

#include <fmt/format.h>

#include "runtime/protocol/records.hpp"

namespace boocode::chat {

std::string reply_step(int n) {
  return fmt::format("r{}", n);
}

std::string tool_step(int n, size_t i) {
  return fmt::format("t{}.{}", n, i);
}

std::string build_step(int n) {
  return fmt::format("b{}", n);
}

nlohmann::json tool_intent::data() const {
  return {{"name", name}, {"arguments", arguments}};
}

const journal_entry* turn_journal::find(std::string_view step, std::string_view kind) const {
  for (auto& e : entries)
    if (e.step == step && e.kind == kind)
      return &e;
  return nullptr;
}

std::string_view to_string(inbox_kind k) {
  switch (k) {
    case inbox_kind::notification:
      return "notification";
    case inbox_kind::approval_answer:
      return "approval_answer";
    case inbox_kind::task_event:
      return "task_event";
    case inbox_kind::user_message:
      break;
  }
  return "user_message";
}

std::optional<inbox_kind> parse_inbox_kind(std::string_view name) {
  // task_event is never stored, so never read.
  for (auto k : {inbox_kind::user_message, inbox_kind::notification, inbox_kind::approval_answer})
    if (to_string(k) == name)
      return k;
  return std::nullopt;
}

message_record inbox_entry::as_message(const std::string& chat_id) const {
  message_record m;
  m.id = id;
  m.chat_id = chat_id;
  m.role = protocol::message_role::user;
  m.content = content;
  m.client_id = client_id;
  m.turn = taken_turn;
  m.attachments = attachments;
  m.created_at = created_at;
  return m;
}

model::token_usage session_image::usage() const {
  auto it = state.find("usage");
  return it != state.end() ? protocol::usage_from_json(*it) : model::token_usage{};
}

bool session_image::has_work() const {
  if (in_progress)
    return true;
  bool held = chat.last_outcome == protocol::turn_outcome::cancelled;
  for (auto& e : inbox)
    if (!e.taken_turn && !(held && e.kind == inbox_kind::notification))
      return true;
  return false;
}

std::vector<approval_answer> session_image::answers() const {
  std::vector<approval_answer> out;
  for (auto& e : inbox)
    if (e.kind == inbox_kind::approval_answer && in_progress && e.taken_turn == in_progress->turn)
      if (auto a = read_answer(e.content))
        out.push_back(std::move(*a));
  return out;
}

std::vector<message_record> session_image::conversation() const {
  std::vector<message_record> out = history;
  if (in_progress) {
    for (auto& e : inbox)
      if (e.taken_turn == in_progress->turn && e.is_message())
        out.push_back(e.as_message(chat.id));
    for (auto& e : in_progress->entries)
      if (e.message)
        out.push_back(*e.message);
  }
  for (auto& e : inbox)
    if (!e.taken_turn)
      out.push_back(e.as_message(chat.id));
  return out;
}

} // namespace boocode::chat
