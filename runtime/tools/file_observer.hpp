#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace boocode::tools {

/// What a search saw: the files it read, in walk order, as a walk_digest.
struct search_seen {
  std::string path; // where it searched, relative to the workspace
  std::string pattern;
  std::size_t files = 0; // the files it visited
  bool complete = true;  // false: it stopped early (a limit), so later files did not count
  std::string digest;    // walk_digest of those files
};

/// Told what the file tools read and are about to change, so a workflow
/// step's inputs and outputs can be known (runtime/step_cache). Paths are
/// relative to the workspace. Called on the tool's thread, one call at a
/// time per tool context; a tool call that fails reports nothing.
class file_observer {
public:
  virtual ~file_observer() = default;
  /// read_file returned `content` (the file's bytes).
  virtual void read(const std::string& path, std::string_view content) = 0;
  /// list_dir listed every name in `names`.
  virtual void listed(const std::string& path, std::vector<std::string> names) = 0;
  virtual void searched(search_seen s) = 0;
  /// write_file or edit_file is about to write `absolute`.
  virtual void writing(const std::string& path, const std::filesystem::path& absolute) = 0;
  /// run_command is about to run a command: any file may change.
  virtual void running_command() = 0;
};

} // namespace boocode::tools
