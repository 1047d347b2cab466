#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <spdlog/logger.h>

#include "runtime/messages.hpp"
#include "storage/node_repository.hpp"

namespace boocode {

struct cluster_store_options {
  /// The node's (storage::node_conninfo): others tell it dead by it.
  std::string conninfo;
  /// This node's row (id, cluster, version, pid); `join` adds the addresses.
  storage::node_record self;
  /// A node whose heartbeat is older than this is declared dead.
  std::chrono::milliseconds node_timeout{3000};
  std::shared_ptr<spdlog::logger> log;
};

/// "" when chat workspace `workspace` can be served by node `node_id` (it is a
/// directory here), else why not: a cluster expects workspaces on a file
/// system every node mounts, and a node refuses to take over a chat whose
/// files it cannot see.
std::string workspace_refusal(const std::string& node_id, const std::string& workspace);

/// Spawns the actor that does this node's cluster work in PostgreSQL
/// (membership, leases). Its calls block, so it runs detached (its own
/// thread). Failures come back as actor errors (actors/storage_errors).
cluster_store_actor spawn_cluster_store(caf::actor_system& sys, cluster_store_options opts);

} // namespace boocode
