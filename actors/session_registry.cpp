#include "actors/session_registry.hpp"

#include <caf/all.hpp>

#include "actors/session.hpp"
#include "actors/workflow_run.hpp"

namespace boocode {

namespace {

struct registry_state {
  registry reg;
  static inline const char* name = "session-registry";
};

/// The actor an id names: a task's subagent ("t_..."), else a chat's session.
actor_key chat(const std::string& id) {
  return {protocol::kind_of_actor(id), id};
}

registry_impl::behavior_type registry_behavior(registry_impl::stateful_pointer<registry_state> self,
                                               std::string node_id,
                                               std::shared_ptr<spdlog::logger> log,
                                               cluster_store_actor store, peer_links_actor peers,
                                               kind_table kinds, metrics::counter moved) {
  auto& reg = self->state.reg;
  reg.init(self, std::move(node_id), std::move(log), std::move(store), std::move(peers),
           std::move(kinds), moved);
  self->set_down_handler([self](const caf::down_msg& dm) { self->state.reg.on_down(dm); });
  auto r = [self]() -> registry& { return self->state.reg; };
  return {
    [r](deliver_atom, const std::string& id, const chat::inbox_entry& entry) {
      r().deliver(chat(id), entry);
    },
    [r](subscribe_atom, const std::string& id, ws_client_actor client, int64_t after_seq,
        int64_t epoch) { r().subscribe(chat(id), client, after_seq, epoch); },
    [r](unsubscribe_atom, const std::string& id, ws_client_actor client) {
      r().unsubscribe(chat(id), client);
    },
    [r](cancel_atom, const std::string& id) { r().cancel(chat(id)); },
    [r](restart_atom, const std::string& id) { return r().restart(chat(id)); },
    [r](resume_atom, const std::vector<std::string>& ids) {
      for (auto& id : ids) // taken over by this node
        r().resume(chat(id));
    },
    [r](retry_atom, protocol::actor_kind kind, const std::string& id) {
      r().retry_route({kind, id});
    },
    [r](respawn_atom, protocol::actor_kind kind, const std::string& id) {
      r().respawn({kind, id});
    },
    [r](status_atom, const std::string& id) { return r().status(chat(id)); },
    [r](resolve_atom, const std::string& id) { return r().resolve_request(chat(id)); },
    [r](migrate_atom, const std::string& id, const std::string& target) {
      return r().migrate(chat(id), target);
    },
    [r](drain_atom) { return r().drain(); },
    [r](stop_atom, const std::string& id) { return r().stop(chat(id)); },
    [r](stats_atom) { return r().stats(); },
    [r](inspect_atom, const std::string& id) { return r().inspect(chat(id)); },
    [r](reset_atom) {
      r().reset();
      return true;
    },
  };
}

} // namespace

session_registry_actor spawn_registry(caf::actor_system& sys, std::string node_id,
                                      std::shared_ptr<spdlog::logger> log,
                                      cluster_store_actor store, peer_links_actor peers,
                                      kind_table kinds, metrics::counter moved) {
  registry_impl full = sys.spawn(registry_behavior, std::move(node_id), std::move(log),
                                 std::move(store), std::move(peers), std::move(kinds), moved);
  return caf::actor_cast<session_registry_actor>(full);
}

session_registry_actor spawn_session_registry(caf::actor_system& sys,
                                              std::shared_ptr<const session_deps> deps,
                                              cluster_store_actor store, peer_links_actor peers) {
  kind_table kinds;
  // A subagent is the same actor as a chat's session, run with its task's
  // spec (actors/turn_worker): only its storage key and its traits differ.
  auto spawn = [deps](caf::actor_system& sys, const std::string& id) {
    return spawn_session(sys, deps, id);
  };
  kinds[protocol::actor_kind::session] = {"chat", spawn};
  kinds[protocol::actor_kind::subagent] = {"subagent", spawn};
  kinds[protocol::actor_kind::workflow_step] = {"workflow step", spawn};
  kinds[protocol::actor_kind::workflow] = {"workflow",
                                           [deps](caf::actor_system& sys, const std::string& id) {
                                             return spawn_workflow_run(sys, deps, id);
                                           }};
  auto registry = spawn_registry(sys, deps->node_id, deps->log, std::move(store), std::move(peers),
                                 std::move(kinds), deps->metrics->migrations);
  deps->router->set(registry);
  return registry;
}

} // namespace boocode
