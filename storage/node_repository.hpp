#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boocode::storage {

class pool;

/// A row of the nodes table.
struct node_record {
  std::string id;
  std::string http_address = {};
  std::string version = {};
  int pid = 0;
  std::string state = {}; // up, draining, stopped, dead
  /// Seconds since the last heartbeat, by the database's clock.
  double heartbeat_age_s = 0;
  std::string cluster = "default";
  /// Where the other nodes reach it (HOST:PORT of its CAF middleman).
  std::string cluster_address = {};
  std::string admin_address = {};
  /// Leases it holds (the actors it owns).
  int64_t actors = 0;
  std::string started_at = {}; // ISO 8601 UTC
};

/// The application_name every database connection of node `node_id` carries,
/// so the others can tell whether it still holds any (confirm_dead).
std::string node_application_name(const std::string& node_id);

/// `conninfo` (a postgresql:// URI or key=value string) with libpq parameter
/// `key` set to `value` (appended: it wins over an earlier one).
std::string with_parameter(const std::string& conninfo, const std::string& key,
                           const std::string& value);

/// The conninfo of every connection of node `node_id`: it carries the node's
/// application name, and the server ends a transaction of it left idle longer
/// than `idle_limit` (a hung node cannot hold the locks others wait for).
std::string node_conninfo(const std::string& conninfo, const std::string& node_id,
                          std::chrono::milliseconds idle_limit);

/// The nodes table: membership of a cluster. Over a connection of its own
/// (not thread-safe) or a pool's (thread-safe). Every call throws storage_error on failure.
class node_repository {
public:
  /// With a connection of its own.
  explicit node_repository(std::string conninfo);
  /// Borrowing the connections of `p` (thread-safe then).
  explicit node_repository(std::shared_ptr<pool> p);
  ~node_repository();

  /// Inserts or refreshes this node's row as 'up' with a fresh heartbeat, and
  /// releases every lease it still holds (epoch + 1, owner ''): a node
  /// (re)joins empty, fencing whatever an earlier run of it left behind.
  void register_node(const node_record& node);

  /// Sets heartbeat_at = now() for `node_id` while it is up or draining;
  /// false when the row is gone or the cluster declared the node dead.
  bool heartbeat(const std::string& node_id);

  /// Sets the node's state (draining, stopped).
  void set_state(const std::string& node_id, const std::string& state);
  /// Marks the node 'stopped' (clean shutdown).
  void mark_stopped(const std::string& node_id) { set_state(node_id, "stopped"); }

  /// Declares dead every up or draining node of `cluster` (but `except`)
  /// whose heartbeat is older than `timeout`; returns their ids. Of several
  /// callers at once, each node is returned to one.
  std::vector<std::string> declare_lapsed(const std::string& cluster,
                                          std::chrono::milliseconds timeout,
                                          const std::string& except);

  /// The fast path after CAF reported the connection to `node_id` down:
  /// declares it dead when no database connection of it is left. True when
  /// this call declared it.
  bool confirm_dead(const std::string& node_id);

  /// Every node of `cluster`, with the number of actors each owns.
  std::vector<node_record> nodes(const std::string& cluster);

  std::optional<node_record> find(const std::string& node_id);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace boocode::storage
