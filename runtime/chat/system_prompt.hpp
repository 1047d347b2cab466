#pragma once

#include <string>

namespace boocode::chat {

/// The system prompt of a chat on `workspace` (fixed per chat, so it stays
/// in the provider's prompt cache).
std::string default_system_prompt(const std::string& workspace);

} // namespace boocode::chat
