#pragma once

#include <string_view>

#include "runtime/tools/tool_context.hpp"
#include "runtime/tools/tool_result.hpp"

namespace boocode::tools {

/// Lines matching `pattern` (ECMAScript std::regex, searched within each
/// line) in the text files under `path` (a directory or one file; "" is the
/// workspace root), as "relpath:line: text", relpath relative to the
/// workspace root, in path order. Skips symlinks (never follows them out of
/// the workspace), the directories .git, .hg, .svn, node_modules,
/// __pycache__, build and build-*/cmake-build-*, binary files and files over
/// limits.max_search_file_bytes. Bounded by limits.max_search_matches and
/// limits.max_search_files (with a note saying so), lines clipped to
/// limits.max_search_line_bytes. Only each line's first 1 KiB is matched:
/// std::regex recurses per character and would overflow the stack on a
/// minified megabyte line; the calling thread needs about 2 MiB of stack.
/// A pattern that backtracks exponentially cannot be interrupted. An invalid
/// pattern is an error result; a raised cancel token stops the search at the
/// next line (outcome cancelled). Blocks; never throws.
tool_result search(const tool_context& ctx, std::string_view pattern, std::string_view path = ".");

} // namespace boocode::tools
