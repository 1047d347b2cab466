#pragma once

#include <string_view>

#include "runtime/tools/tool_context.hpp"
#include "runtime/tools/tool_result.hpp"
#include "runtime/tools/workspace_path.hpp"

namespace boocode::tools {

// The file tools. Each resolves its path with resolve_workspace_path, blocks
// on the file system, never throws, and on any failure changes nothing and
// returns an error result naming the path (relative to the workspace).

/// The text of a file. Refuses directories, files larger than
/// limits.max_read_bytes and binary files (a NUL byte in the first 8 KiB).
/// Invalid UTF-8 bytes come back as U+FFFD.
tool_result read_file(const tool_context& ctx, std::string_view path);

/// Creates or replaces a file with `content`, creating missing parent
/// directories inside the workspace. Writes a temporary file next to it and
/// renames it over, so a crash leaves the old or the new file, never half
/// of one; an existing file keeps its permissions.
tool_result write_file(const tool_context& ctx, std::string_view path, std::string_view content);

/// Replaces `old_string` with `new_string` where it occurs exactly once
/// (overlapping occurrences count); 0 or several matches is an error naming
/// the count, and nothing is written.
tool_result edit_file(const tool_context& ctx, std::string_view path, std::string_view old_string,
                      std::string_view new_string);

/// One line per entry, sorted by name: "dir  NAME/", "file  NAME  (N bytes)",
/// "symlink  NAME -> TARGET" or "other  NAME"; at most limits.max_list_entries.
tool_result list_dir(const tool_context& ctx, std::string_view path);

/// Writes `content` to a temporary file next to `file` and renames it over,
/// keeping an existing file's permission bits (write_file's way, also the
/// step cache's). Throws tool_failure naming the path.
void write_atomically(const workspace_path& file, std::string_view content);

} // namespace boocode::tools
