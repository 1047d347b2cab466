#pragma once

#include <string>

namespace boocode::chat {

/// The system prompt of a chat on `workspace` (fixed per chat, so it stays
/// in the provider's prompt cache).
std::string default_system_prompt(const std::string& workspace);

/// The system prompt of a background subagent on `workspace`: the chat's,
/// plus how it works (alone, on one task, its last answer being its result).
std::string subagent_system_prompt(const std::string& workspace);

} // namespace boocode::chat
