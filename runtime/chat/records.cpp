#include "runtime/chat/records.hpp"

namespace boocode::chat {

model::chat_message to_model_message(const message_record& m) {
  model::chat_message out;
  out.role = std::string(protocol::to_string(m.role));
  out.content = m.content;
  if (m.role == protocol::message_role::assistant)
    out.tool_calls = m.tool_calls;
  if (m.role == protocol::message_role::tool)
    out.tool_call_id = m.tool_call_id;
  out.images = m.attachments;
  return out;
}

} // namespace boocode::chat
