#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "runtime/admin/admin_service.hpp"

namespace boocode::net {

/// Where a node's admin port is, and how to speak to it: plain, or TLS
/// verified against `ca` (a PEM file; none: the system's trust store) and
/// `server_name`.
struct admin_address {
  std::string host = "127.0.0.1";
  uint16_t port = 8081;
  bool tls = false;
  std::optional<std::filesystem::path> ca;
  /// The name the node's certificate must carry (empty: `host`).
  std::string server_name;
};

/// A client of a node's admin port (net/admin.capnp), as an admin_service
/// whose calls block. It connects on first use; a port that cannot be reached
/// answers errors with code "unreachable". `caller` is logged by the node with
/// every change. Use it on one thread (it owns a KJ event loop).
std::unique_ptr<admin::admin_service> connect_admin(const admin_address& to, std::string token,
                                                    std::string caller);

} // namespace boocode::net
