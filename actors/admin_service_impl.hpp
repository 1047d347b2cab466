#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <caf/actor_system.hpp>

#include "actors/session_deps.hpp"
#include "runtime/admin/admin_service.hpp"
#include "runtime/messages.hpp"

namespace boocode {

namespace storage {
class actor_repository;
class node_repository;
} // namespace storage

/// The admin port's operations for the whole cluster: what the database
/// holds (nodes, leases, snapshots, journals, inboxes) joined with what the
/// owning nodes' registries know live (asked through their directories);
/// changes go through the session registry, which forwards to the owner.
/// Calls block; the admin server runs them on worker threads.
class admin_service_impl final : public admin::admin_service {
public:
  admin_service_impl(caf::actor_system& sys, std::shared_ptr<const session_deps> deps,
                     session_registry_actor registry, node_directory_actor directory,
                     peer_links_actor peers);
  ~admin_service_impl() override;

  admin::result<std::vector<admin::node_info>> nodes() override;
  admin::result<std::vector<admin::actor_info>> actors(const admin::actor_filter& f) override;
  admin::result<admin::actor_detail> inspect(const std::string& id) override;
  admin::result<bool> migrate(const std::string& id, const std::string& node,
                              const std::string& caller) override;
  admin::result<bool> restart(const std::string& id, const std::string& caller) override;
  admin::result<bool> stop(const std::string& id, const std::string& caller) override;
  admin::result<uint32_t> drain(const std::string& node, const std::string& caller) override;

private:
  /// The directory of node `id` (this node's own, or another's through CAF).
  admin::result<node_directory_actor> directory_of(const std::string& id);
  /// What node `owner` knows live of its actors (empty map when it cannot say).
  std::map<std::string, actor_live> live_of(const std::string& owner);
  /// The state an operator sees, from the database row and the live entry.
  static protocol::actor_state state_of(const admin::actor_info& row, const actor_live* live,
                                        bool owner_answered);
  admin::result<bool> known_actor(const std::string& id);

  caf::actor_system& sys_;
  std::shared_ptr<const session_deps> deps_;
  session_registry_actor registry_;
  node_directory_actor directory_;
  peer_links_actor peers_;
  std::mutex mtx_; // the repositories
  std::unique_ptr<storage::node_repository> nodes_;
  std::unique_ptr<storage::actor_repository> actors_;
};

} // namespace boocode
