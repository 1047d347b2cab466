#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace boocode::tools {

/// A user- or model-supplied path, resolved and known to lie inside the workspace.
struct workspace_path {
  /// The workspace root, canonical.
  std::filesystem::path root;
  /// The path with every symlink resolved (those in a part that does not exist
  /// yet included); inside `root` or `root` itself.
  std::filesystem::path absolute;
  /// `absolute` relative to `root` ("." for the root), for messages to the model.
  std::string relative;
};

/// Resolves `path` (relative to the workspace root, or absolute) as the
/// kernel would, following symlinks and `..`; a path that does not exist yet
/// is fine. Throws tool_denied "path escapes the workspace: PATH" when the
/// result lies outside the canonical workspace root, and tool_failure when
/// the workspace is not a directory or the path cannot be resolved.
/// Checks the file system when called: a symlink swapped in afterwards is
/// not seen (the workspace's own processes are trusted that far).
workspace_path resolve_workspace_path(const std::filesystem::path& workspace,
                                      std::string_view path);

} // namespace boocode::tools
