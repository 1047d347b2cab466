#include "actors/cluster_store.hpp"

#include <filesystem>
#include <set>

#include <caf/all.hpp>

#include "actors/storage_errors.hpp"
#include "runtime/errors.hpp"
#include "storage/pool.hpp"
#include "storage/session_repository.hpp"
#include "storage/storage_error.hpp"

namespace boocode {

std::string workspace_refusal(const std::string& node_id, const std::string& workspace) {
  std::error_code ec;
  if (std::filesystem::is_directory(workspace, ec))
    return "";
  return "its workspace " + workspace + " is not reachable on node " + node_id +
         " (every node of a cluster must mount the workspaces at the same path)";
}

namespace {

struct cluster_store_state {
  std::unique_ptr<storage::node_repository> nodes;
  std::unique_ptr<storage::session_repository> leases;
  std::set<std::string> refused_logged; // a refusal is logged once per chat
  storage::node_record self;            // this node's row, as it joins
  static inline const char* name = "cluster-store";
};

/// Runs `f`, turning storage failures into actor errors.
template <class T, class F>
caf::result<T> guarded(F&& f) {
  try {
    return f();
  } catch (const storage::storage_error& e) {
    return to_error(e);
  }
}

cluster_store_actor::behavior_type
cluster_store_behavior(cluster_store_actor::stateful_pointer<cluster_store_state> self,
                       cluster_store_options opts) {
  // One connection of its own for both: the heartbeat never waits behind
  // the node's busy pool.
  auto db = std::make_shared<storage::pool>(opts.conninfo, 1);
  self->state.nodes = std::make_unique<storage::node_repository>(db);
  self->state.leases = std::make_unique<storage::session_repository>(db);
  self->state.self = opts.self;
  const auto& me = opts.self.id;
  auto check = [me](const std::string& workspace) { return workspace_refusal(me, workspace); };
  return {
    [=](heartbeat_atom) {
      return guarded<cluster_tick>([&] {
        auto& st = self->state;
        cluster_tick t;
        t.alive = st.nodes->heartbeat(me);
        if (!t.alive)
          return t;
        t.declared_dead = st.nodes->declare_lapsed(opts.self.cluster, opts.node_timeout, me);
        std::vector<std::string> refused;
        for (auto& c : st.leases->claim_orphans(me, opts.self.cluster, check, &refused)) {
          ++t.claimed;
          if (c.has_work)
            t.resume.push_back(c.actor_id);
        }
        for (auto& why : refused)
          if (st.refused_logged.insert(why).second && opts.log)
            opts.log->error("not taking over chat {}", why);
        for (auto& n : st.nodes->nodes(opts.self.cluster))
          if (n.id != me && (n.state == "up" || n.state == "draining"))
            t.peers.push_back({n.id, n.cluster_address, n.state, n.actors});
        return t;
      });
    },
    [=](confirm_atom, const std::string& node) {
      return guarded<bool>([&] { return self->state.nodes->confirm_dead(node); });
    },
    [=](route_atom, const std::string& chat) -> caf::result<std::string, std::string> {
      try {
        auto r = self->state.leases->route(chat, me, check);
        if (!r)
          return caf::make_error(errc::not_found, "no chat " + chat);
        if (!r->refused.empty())
          return caf::make_error(errc::refused, "chat " + chat + ": " + r->refused);
        return {r->node_id, r->address};
      } catch (const storage::storage_error& e) {
        return to_error(e);
      }
    },
    [=](move_atom, const std::string& chat, const std::string& from,
        const std::string& to) -> caf::result<int64_t> {
      return guarded<int64_t>([&]() -> caf::result<int64_t> {
        if (auto epoch = self->state.leases->move_lease(chat, from, to))
          return *epoch;
        auto target = self->state.nodes->find(to);
        if (!target || target->state != "up")
          return caf::make_error(errc::not_found, "node " + to + " is not up");
        return caf::make_error(errc::not_owner, "node " + from + " does not own chat " + chat);
      });
    },
    [=](leases_atom, const std::string& node) {
      return guarded<std::vector<std::string>>([&] { return self->state.leases->leases_of(node); });
    },
    [=](nodes_atom) {
      return guarded<std::vector<peer_info>>([&] {
        std::vector<peer_info> out;
        for (auto& n : self->state.nodes->nodes(opts.self.cluster))
          out.push_back({n.id, n.cluster_address, n.state, n.actors});
        return out;
      });
    },
    [=](join_atom, const std::string& http, const std::string& cluster_address,
        const std::string& admin_address) {
      auto& row = self->state.self;
      row.http_address = http;
      row.cluster_address = cluster_address;
      row.admin_address = admin_address;
      return guarded<bool>([&] {
        self->state.nodes->register_node(row);
        return true;
      });
    },
    [=](join_atom) {
      return guarded<bool>([&] {
        self->state.nodes->register_node(self->state.self);
        return true;
      });
    },
    [=](state_atom, const std::string& state) {
      return guarded<bool>([&] {
        self->state.nodes->set_state(me, state);
        return true;
      });
    },
  };
}

} // namespace

cluster_store_actor spawn_cluster_store(caf::actor_system& sys, cluster_store_options opts) {
  return sys.spawn<caf::detached>(cluster_store_behavior, std::move(opts));
}

} // namespace boocode
