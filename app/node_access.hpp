#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "net/access_gate.hpp"
#include "runtime/logging.hpp"
#include "runtime/node_options.hpp"

namespace boocode::storage {
class pool;
}

namespace boocode {

/// The users of --auth-file or --auth-token; null when there are none (an
/// open loopback node, which the options allow only there). Throws
/// refused_start when the auth file cannot be read or has a bad line.
std::shared_ptr<const net::user_source> load_users(const node_config& cfg, spdlog::logger& log);

/// The canonical --workspace-root folders; warns when there are none beyond
/// loopback. Throws refused_start for one that is not an existing folder.
std::vector<std::filesystem::path> workspace_roots(const node_config& cfg, spdlog::logger& log);

/// The gate of the node's API and WebSocket over `users`, its browser
/// sessions signed with the cluster's shared key (made by the first node).
std::shared_ptr<net::access_gate> make_access_gate(const node_config& cfg,
                                                   std::shared_ptr<const net::user_source> users,
                                                   const std::shared_ptr<storage::pool>& db);

} // namespace boocode
