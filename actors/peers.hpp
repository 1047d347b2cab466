#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <caf/all.hpp>

#include "runtime/messages.hpp"

namespace boocode {

/// "HOST:PORT" (or "[v6]:PORT") as host and port; nothing when malformed.
std::optional<std::pair<std::string, uint16_t>> split_address(const std::string& address);

/// Asks the node's peer links (asynchronously) for the directory of node
/// `node`, published at `address`; calls `ok` with its handle or `fail` with
/// the error.
template <class Self, class Ok, class Fail>
void connect_directory(Self* self, const peer_links_actor& peers, const std::string& node,
                       const std::string& address, Ok ok, Fail fail) {
  self->request(peers, std::chrono::seconds(10), caf::connect_atom::value, node, address)
    .then([=](const node_directory_actor& dir) { ok(dir); }, [=](caf::error& e) { fail(e); });
}

} // namespace boocode
