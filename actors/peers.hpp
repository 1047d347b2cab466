#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include "runtime/errors.hpp"
#include "runtime/messages.hpp"

namespace boocode {

/// "HOST:PORT" (or "[v6]:PORT") as host and port; nothing when malformed.
std::optional<std::pair<std::string, uint16_t>> split_address(const std::string& address);

/// Asks CAF's middleman (asynchronously: it keeps one connection per
/// address) for the node directory published at `address`; calls `ok` with
/// its handle or `fail` with the error. Only for a node that loaded the
/// middleman (node_actor_config::distributed).
template <class Self, class Ok, class Fail>
void connect_directory(Self* self, const std::string& address, Ok ok, Fail fail) {
  auto where = split_address(address);
  if (!where) {
    fail(caf::make_error(errc::invalid_argument, "bad cluster address '" + address + "'"));
    return;
  }
  self
    ->request(self->system().middleman().actor_handle(), std::chrono::seconds(3),
              caf::connect_atom::value, where->first, where->second)
    .then(
      [=](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
        if (ptr)
          ok(caf::actor_cast<node_directory_actor>(std::move(ptr)));
        else
          fail(caf::make_error(errc::unavailable, "nothing published at " + address));
      },
      [=](caf::error& e) { fail(e); });
}

} // namespace boocode
