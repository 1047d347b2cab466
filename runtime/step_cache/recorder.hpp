#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "runtime/step_cache/record.hpp"
#include "runtime/tools/file_observer.hpp"

namespace boocode::step_cache {

/// Bounds on what a step may leave in the cache.
struct record_limits {
  /// A step that ran a command fingerprints the workspace: not when it holds
  /// more files than this.
  std::size_t max_manifest_files = 20000;
  /// The bytes of the files a step wrote, at most.
  std::size_t max_write_bytes = std::size_t{8} << 20;
};

/// Watches a workflow step's file tools (as their tool context's observer)
/// and, once the step ended, tells what it read and wrote.
class recorder final : public tools::file_observer {
public:
  recorder(std::filesystem::path workspace, record_limits limits);

  void read(const std::string& path, std::string_view content) override;
  void listed(const std::string& path, std::vector<std::string> names) override;
  void searched(tools::search_seen s) override;
  void writing(const std::string& path, const std::filesystem::path& absolute) override;
  void running_command() override;

  /// The step's record, from what it saw and the files as they are now; or
  /// why it cannot be cached (its writes are too large, its workspace too).
  std::variant<step_record, std::string> finish() const;

private:
  std::filesystem::path root_; // canonical
  record_limits limits_;
  std::vector<file_read> reads_;
  std::set<std::string> read_paths_;
  std::vector<std::pair<std::string, std::vector<std::string>>> lists_;
  std::vector<tools::search_seen> searches_;
  std::map<std::string, file_hash> before_; // each written path as first found
  std::vector<std::string> written_;        // in order
  std::set<std::string> created_;           // files and folders that were not there
  /// The workspace before the first command, and the paths written before it.
  std::optional<std::optional<manifest>> before_command_;
  std::set<std::string> written_before_command_;
};

} // namespace boocode::step_cache
