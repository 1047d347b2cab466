#pragma once

#include <atomic>

namespace boocode {

/// What a load balancer's readiness probe asks of a node, kept by the parts
/// that know: the composition root (migrations, joining, stopping), the
/// cluster monitor (each heartbeat reaches the database and finds the node
/// still a member) and the node directory (an admin drain).
struct node_readiness {
  std::atomic<bool> migrated{false};   // its migrations are applied
  std::atomic<bool> database{false};   // the last heartbeat reached the database
  std::atomic<bool> in_cluster{false}; // joined, and not declared dead since
  std::atomic<bool> draining{false};   // moving its chats away, or stopping

  bool ready() const { return migrated && database && in_cluster && !draining; }
};

} // namespace boocode
