#pragma once

#include <memory>
#include <optional>
#include <string>

namespace boocode::storage {

/// A row of the nodes table.
struct node_record {
  std::string id;
  std::string http_address;
  std::string version;
  int pid = 0;
  std::string state;
  /// Seconds since the last heartbeat, by the database's clock.
  double heartbeat_age_s = 0;
};

/// The nodes table. Holds one connection, reopened after a failure; not
/// thread-safe (one owner: the node-store actor or the composition root).
/// Every call throws storage_error on failure.
class node_repository {
public:
  explicit node_repository(std::string conninfo);
  ~node_repository();

  /// Inserts or refreshes this node's row as 'up' with a fresh heartbeat.
  void register_node(const node_record& node);

  /// Sets heartbeat_at = now() for `node_id`; false if the row is gone.
  bool heartbeat(const std::string& node_id);

  /// Marks the node 'stopped' (clean shutdown).
  void mark_stopped(const std::string& node_id);

  std::optional<node_record> find(const std::string& node_id);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace boocode::storage
