#include "actors/node_directory.hpp"

#include <caf/all.hpp>

#include "actors/peers.hpp"

namespace boocode {

std::optional<std::pair<std::string, uint16_t>> split_address(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size())
    return std::nullopt;
  auto host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned long port = 0;
  try {
    size_t used = 0;
    port = std::stoul(address.substr(colon + 1), &used);
    if (used != address.size() - colon - 1 || port == 0 || port > 65535)
      return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return std::make_pair(host, static_cast<uint16_t>(port));
}

node_directory_actor spawn_node_directory(caf::actor_system& sys, session_registry_actor registry,
                                          peer_links_actor peers, std::function<void()> on_drained,
                                          std::function<void()> on_draining) {
  auto dir =
    sys.spawn([registry, peers, on_drained, on_draining](
                node_directory_actor::pointer self) -> node_directory_actor::behavior_type {
      return {
        [=](introduce_atom a, const std::string& node, caf::strong_actor_ptr& peer_dir) {
          self->send(peers, a, node, std::move(peer_dir));
        },
        [=](resolve_atom a, const std::string& chat) { return self->delegate(registry, a, chat); },
        [=](migrate_atom a, const std::string& chat, const std::string& node) {
          return self->delegate(registry, a, chat, node);
        },
        [=](restart_atom a, const std::string& chat) { return self->delegate(registry, a, chat); },
        [=](stop_atom a, const std::string& chat) { return self->delegate(registry, a, chat); },
        [=](stats_atom a) { return self->delegate(registry, a); },
        [=](inspect_atom a, const std::string& chat) { return self->delegate(registry, a, chat); },
        [=](drain_atom a) -> caf::result<int64_t> {
          auto rp = std::make_shared<caf::typed_response_promise<int64_t>>(
            self->make_response_promise<int64_t>());
          if (on_draining)
            on_draining();
          self->request(registry, caf::infinite, a)
            .then(
              [=](int64_t moved) {
                rp->deliver(moved);
                if (on_drained) // drained: the node stops
                  on_drained();
              },
              [=](caf::error& e) { rp->deliver(e); });
          return *rp;
        },
      };
    });
  caf::anon_send(peers, join_atom::value, dir);
  return dir;
}

} // namespace boocode
