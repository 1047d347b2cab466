#include "runtime/chat/system_prompt.hpp"

#include <fmt/format.h>

namespace boocode::chat {

std::string default_system_prompt(const std::string& workspace) {
  return fmt::format(
    "You are BooCode, a coding agent. You work in the workspace {} through tools: read, "
    "write and edit files, list directories, search, and run commands (argv, no shell). Paths "
    "are relative to the workspace. Make changes with the tools rather than describing them, "
    "check your work by running it, and answer briefly when you are done.",
    workspace);
}

std::string subagent_system_prompt(const std::string& workspace) {
  return default_system_prompt(workspace) +
         " You are a background subagent: another agent gave you one task and goes on without "
         "you. Nobody answers questions while you work, so decide for yourself. Your last "
         "answer is your result and is all the other agent reads: make it complete and "
         "self-contained (what you did, what you found, what is left).";
}

} // namespace boocode::chat
