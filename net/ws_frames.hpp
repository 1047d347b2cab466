#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace boocode::net {

/// The first frame a WebSocket client receives:
/// {"type":"hello","node_id":...,"version":...}.
std::string hello_frame(std::string_view node_id, std::string_view version);

/// {"type":"error","code":...,"message":...}.
std::string error_frame(std::string_view code, std::string_view message);

/// The server's answer to a client frame it cannot handle yet: malformed JSON
/// or a frame without a string "type" gets bad_frame, any other type
/// unknown_type. Nothing for frames that need no answer.
std::optional<std::string> answer_client_frame(std::string_view text);

} // namespace boocode::net
