#pragma once

#include <memory>

#include "net/access_gate.hpp"
#include "runtime/logging.hpp"
#include "runtime/node_options.hpp"

namespace boocode {

/// The gate of the node's API and WebSocket: the users of --auth-file or
/// --auth-token, or open (loopback only, checked by the options). Throws
/// refused_start when the auth file cannot be read or has a bad line.
std::shared_ptr<net::access_gate> make_access_gate(const node_config& cfg, spdlog::logger& log);

} // namespace boocode
