#include "actors/node_store.hpp"

#include <caf/all.hpp>

#include "runtime/errors.hpp"
#include "storage/node_repository.hpp"
#include "storage/storage_error.hpp"

namespace boocode {

namespace {

struct node_store_state {
  std::unique_ptr<storage::node_repository> repo;
  static inline const char* name = "node-store";
};

node_store_actor::behavior_type
node_store_behavior(node_store_actor::stateful_pointer<node_store_state> self,
                    std::string conninfo) {
  self->state.repo = std::make_unique<storage::node_repository>(std::move(conninfo));
  return {
    [=](heartbeat_atom, const std::string& node_id) -> caf::result<void> {
      try {
        if (!self->state.repo->heartbeat(node_id))
          return caf::make_error(errc::not_found, "node row missing: " + node_id);
        return caf::unit;
      } catch (const storage::storage_error& e) {
        return caf::make_error(errc::storage_failure, e.what());
      }
    },
  };
}

} // namespace

node_store_actor spawn_node_store(caf::actor_system& sys, std::string conninfo) {
  return sys.spawn<caf::detached>(node_store_behavior, std::move(conninfo));
}

} // namespace boocode
