#include "net/ws_frames.hpp"

#include <nlohmann/json.hpp>

namespace boocode::net {

std::string hello_frame(std::string_view node_id, std::string_view version) {
  return nlohmann::json{{"type", "hello"}, {"node_id", node_id}, {"version", version}}.dump();
}

std::string error_frame(std::string_view code, std::string_view message) {
  return nlohmann::json{{"type", "error"}, {"code", code}, {"message", message}}.dump(
    -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<std::string> answer_client_frame(std::string_view text) {
  auto frame = nlohmann::json::parse(text, nullptr, false);
  if (frame.is_discarded() || !frame.is_object())
    return error_frame("bad_frame", "a frame must be a JSON object");
  auto type = frame.find("type");
  if (type == frame.end() || !type->is_string())
    return error_frame("bad_frame", "a frame needs a string \"type\"");
  if (*type == "ping")
    return nlohmann::json{{"type", "pong"}}.dump();
  return error_frame("unknown_type", "unknown frame type '" + type->get<std::string>() + "'");
}

} // namespace boocode::net
