#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/agent/task.hpp"

namespace boocode::storage {

class pool;

/// An entry of the step cache (storage/migrations/0012_step_cache.sql).
struct cache_entry {
  std::string key;
  std::string workspace;
  std::string workflow;
  std::string path;
  nlohmann::json spec = nlohmann::json::object();
  std::string result;
  agent::task_usage usage;
  std::string step_id;
  nlohmann::json record = nlohmann::json::object(); // step_cache::to_json
  int64_t bytes = 0;
};

/// The step_cache table, shared by every node. Throws storage_error.
class step_cache_repository {
public:
  explicit step_cache_repository(std::string conninfo);
  explicit step_cache_repository(std::shared_ptr<pool> p);
  ~step_cache_repository();

  /// The entry under `key`, marked used now (at most once a minute); nothing
  /// when there is none or it was last used longer than `ttl` ago.
  std::optional<cache_entry> find(const std::string& key, std::chrono::seconds ttl);
  /// The spec of the last entry used at this place of a workflow.
  std::optional<nlohmann::json> last_spec(const std::string& workspace, const std::string& workflow,
                                          const std::string& path);
  /// Stores `e`, replacing an entry under its key (one row: two runs that
  /// fill a key at once leave one whole entry, the later one's).
  void store(const cache_entry& e);
  /// Deletes a workspace's entries; how many.
  int64_t clear(const std::string& workspace);
  /// Deletes the entries unused for `ttl`, then the least recently used
  /// until the rest hold at most `max_bytes`; how many went.
  int64_t sweep(std::chrono::seconds ttl, int64_t max_bytes);
  /// Entries and their bytes (all workspaces when `workspace` is empty).
  struct totals {
    int64_t entries = 0;
    int64_t bytes = 0;
  };
  totals count(const std::string& workspace = "");

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace boocode::storage
