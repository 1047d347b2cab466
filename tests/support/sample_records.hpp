#pragma once

// Records for storage tests and benchmarks: a chat, a model reply, a tool
// result, and a check for the API's timestamps.
#include <regex>
#include <string>
#include <vector>

#include "runtime/chat/records.hpp"

namespace boocode::test {

/// A chat `id` on /work/<id>, titled "title of <id>".
inline chat::chat_record sample_chat(const std::string& id) {
  chat::chat_record c;
  c.id = id;
  c.workspace = "/work/" + id;
  c.title = "title of " + id;
  return c;
}

/// A model reply with its usage reported.
inline chat::message_record sample_reply(std::string text,
                                         std::vector<model::tool_call> calls = {}) {
  chat::message_record m;
  m.role = protocol::message_role::assistant;
  m.content = std::move(text);
  m.tool_calls = std::move(calls);
  m.usage = model::token_usage{1200, 1000, 200, 0, 80, 30, true};
  return m;
}

/// run_command's result for `call_id`: exit 0 after 12 ms.
inline chat::message_record sample_tool_result(std::string call_id, std::string text) {
  chat::message_record m;
  m.role = protocol::message_role::tool;
  m.content = std::move(text);
  m.tool_call_id = std::move(call_id);
  m.tool_name = "run_command";
  m.outcome = protocol::tool_outcome::ok;
  m.exit_code = 0;
  m.duration_ms = 12;
  return m;
}

/// ISO 8601 UTC with milliseconds, as the API writes times.
inline bool is_iso_millis(const std::string& s) {
  static const std::regex iso{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"};
  return std::regex_match(s, iso);
}

} // namespace boocode::test
