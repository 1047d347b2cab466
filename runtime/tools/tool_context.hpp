#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/cancel_token.hpp"

namespace boocode::tools {
struct sandbox_policy;
class file_observer;
class image_attacher;
} // namespace boocode::tools

namespace boocode::tools {

/// Bounds on what one tool call may read, return or run. Each keeps a tool
/// result small enough for the model's context and a call short enough for a turn.
struct tool_limits {
  /// read_file and edit_file refuse larger files (the whole text would go into the prompt).
  std::size_t max_read_bytes = std::size_t{256} * 1024;
  /// write_file and edit_file refuse to write more.
  std::size_t max_write_bytes = std::size_t{1024} * 1024;
  /// list_dir shows at most this many entries and says how many it left out.
  std::size_t max_list_entries = 500;
  /// search stops after this many matching lines ...
  std::size_t max_search_matches = 200;
  /// ... or after reading this many files, ...
  std::size_t max_search_files = 20000;
  /// ... skips files larger than this (generated or data files) ...
  std::size_t max_search_file_bytes = std::size_t{2} * 1024 * 1024;
  /// ... and clips each matching line it returns to this many bytes.
  std::size_t max_search_line_bytes = 300;
  /// run_command keeps this much of stdout + stderr (and drains the rest).
  std::size_t max_output_bytes = std::size_t{32} * 1024;
  /// run_command's timeout when the call names none, and the most it may ask for.
  std::chrono::milliseconds default_timeout{30000};
  std::chrono::milliseconds max_timeout{600000};
};

/// Everything a tool call needs besides its arguments.
struct tool_context {
  /// The chat's workspace folder; every path must resolve inside it.
  std::filesystem::path workspace{};
  tool_limits limits{};
  /// Raised to stop a running command (or search) at once; may be null.
  std::shared_ptr<const cancel_token> cancel{};
  /// run_command's environment (NAME=VALUE); nothing: command_environment().
  std::optional<std::vector<std::string>> env{};
  /// Confines run_command (and the auto-fix build); null: unconfined.
  std::shared_ptr<const sandbox_policy> sandbox{};
  /// Whether a sandboxed command may use the network (the chat allows it).
  bool network = false;
  /// Told what the tools read and change (a cached workflow step); may be null.
  std::shared_ptr<file_observer> observer{};
  /// Stores the images view_image opens; null: the model is not sent images
  /// (view_image is not offered).
  std::shared_ptr<image_attacher> images{};
};

} // namespace boocode::tools
