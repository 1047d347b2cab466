#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "runtime/admin/admin_service.hpp"

namespace boocode::net {

/// A client of a node's admin port (net/admin.capnp), as an admin_service
/// whose calls block. It connects on first use; a port that cannot be reached
/// answers errors with code "unreachable". `caller` is logged by the node with
/// every change. Use it on one thread (it owns a KJ event loop).
std::unique_ptr<admin::admin_service> connect_admin(const std::string& host, uint16_t port,
                                                    std::string token, std::string caller);

} // namespace boocode::net
