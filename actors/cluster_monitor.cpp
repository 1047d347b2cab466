#include "actors/cluster_monitor.hpp"

#include <map>
#include <set>

#include <caf/all.hpp>

#include "actors/peers.hpp"

namespace boocode {

bool heartbeat_state::record(bool ok) {
  ++status.sent;
  if (ok) {
    bool recovered = status.consecutive_failures > 0;
    status.consecutive_failures = 0;
    return recovered;
  }
  ++status.failed;
  return ++status.consecutive_failures == 1;
}

namespace {

/// Sets the cluster's node counts from a heartbeat's list of the others
/// (those up or draining), this node counted as up.
void count_nodes(const metrics::gauge_family& nodes, const std::vector<peer_info>& others) {
  auto draining = std::count_if(others.begin(), others.end(),
                                [](const peer_info& p) { return p.state == "draining"; });
  nodes.with({"up"}).set(static_cast<double>(others.size() - draining) + 1);
  nodes.with({"draining"}).set(static_cast<double>(draining));
}

using tick_atom = caf::atom_constant<caf::atom("cm_tick")>;
using suspect_atom = caf::atom_constant<caf::atom("cm_suspect")>;

/// The monitor plus its private messages: the tick, and a lost peer to
/// confirm dead (node id, attempts left).
using monitor_impl = cluster_monitor_actor::extend<caf::reacts_to<tick_atom>,
                                                   caf::reacts_to<suspect_atom, std::string, int>>;

struct peer {
  std::string address;
  node_directory_actor directory; // empty while connecting
};

struct monitor_state {
  heartbeat_state hb;
  std::map<std::string, peer> peers;
  /// Listed peers the last attempt could not reach (warned once each).
  std::set<std::string> unreachable;
  bool rejoining = false;
  static inline const char* name = "cluster-monitor";
};

/// Between two attempts to confirm a lost peer dead (its database sessions
/// may take a moment to end).
constexpr auto confirm_retry = std::chrono::milliseconds(150);
constexpr int confirm_attempts = 8;

monitor_impl::behavior_type monitor_behavior(monitor_impl::stateful_pointer<monitor_state> self,
                                             membership_store_actor store, takeover_actor registry,
                                             cluster_monitor_options opts) {
  auto log = opts.log;
  self->set_down_handler([self, log](const caf::down_msg& dm) {
    for (auto& [id, p] : self->state.peers)
      if (p.directory && p.directory.address() == dm.source) {
        if (log)
          log->warn("lost the connection to node {} ({}); confirming it dead", id,
                    self->system().render(dm.reason));
        self->send(self, suspect_atom::value, id, confirm_attempts);
        self->state.peers.erase(id);
        return;
      }
  });
  // Connects to the peers the tick listed, forgets the ones it did not.
  auto update_peers = [self, log, opts](const std::vector<peer_info>& listed) {
    auto& peers = self->state.peers;
    for (auto i = peers.begin(); i != peers.end();) {
      bool kept = std::any_of(listed.begin(), listed.end(), [&](const peer_info& p) {
        return p.node_id == i->first && p.address == i->second.address;
      });
      if (kept) {
        ++i;
        continue;
      }
      if (i->second.directory)
        self->demonitor(i->second.directory.address());
      self->state.unreachable.erase(i->first);
      i = peers.erase(i);
    }
    for (auto& p : listed) {
      if (peers.count(p.node_id) != 0 || p.address.empty())
        continue;
      peers[p.node_id] = peer{p.address, {}};
      auto id = p.node_id;
      auto address = p.address;
      connect_directory(
        self, opts.peers, id, address,
        [self, log, id, address](const node_directory_actor& dir) {
          auto i = self->state.peers.find(id);
          if (i == self->state.peers.end() || i->second.address != address)
            return;
          i->second.directory = dir;
          self->monitor(dir);
          self->state.unreachable.erase(id);
          if (log)
            log->info("connected to node {} at {}", id, address);
        },
        [self, log, id, address](const caf::error& e) {
          // Tried again at the next tick (if the node is still listed).
          auto i = self->state.peers.find(id);
          if (i != self->state.peers.end() && i->second.address == address && !i->second.directory)
            self->state.peers.erase(i);
          // Warned once (a wrong certificate or a firewall lasts), then quiet.
          bool first = self->state.unreachable.insert(id).second;
          if (log)
            log->log(first ? spdlog::level::warn : spdlog::level::debug,
                     "cannot reach node {} at {}: {}", id, address, self->system().render(e));
        });
    }
  };
  auto rejoin = [self, store, registry, log] {
    if (self->state.rejoining)
      return;
    self->state.rejoining = true;
    if (log)
      log->error("the cluster declared this node dead (its heartbeat lapsed): stopping its "
                 "sessions and rejoining empty");
    self->request(registry, caf::infinite, reset_atom::value)
      .then(
        [self, store, log](bool) {
          self->request(store, caf::infinite, join_atom::value)
            .then(
              [self, log](bool) {
                self->state.rejoining = false;
                if (log)
                  log->info("rejoined the cluster");
              },
              [self, log](const caf::error& e) {
                self->state.rejoining = false; // the next tick tries again
                if (log)
                  log->error("cannot rejoin the cluster: {}", self->system().render(e));
              });
        },
        [self](const caf::error&) { self->state.rejoining = false; });
  };
  auto tick = [self, store, registry, opts, update_peers, rejoin, log] {
    self->request(store, opts.interval * 2, heartbeat_atom::value)
      .then(
        [=](const cluster_tick& t) {
          if (self->state.hb.record(true) && log)
            log->info("heartbeat recovered");
          if (opts.readiness) {
            opts.readiness->database = true;
            opts.readiness->in_cluster = t.alive;
          }
          if (!t.alive) {
            rejoin();
            return;
          }
          for (auto& id : t.declared_dead)
            if (log)
              log->warn("node {} missed its heartbeats: declared dead, its chats move", id);
          opts.takeovers.inc(t.claimed);
          count_nodes(opts.nodes, t.peers);
          if (t.claimed > 0 && log)
            log->info("took over {} chat(s), {} with work to resume", t.claimed, t.resume.size());
          if (!t.resume.empty())
            self->send(registry, resume_atom::value, t.resume);
          if (opts.peers)
            update_peers(t.peers);
        },
        [=](const caf::error& err) {
          if (opts.readiness)
            opts.readiness->database = false;
          if (self->state.hb.record(false) && log)
            log->warn("heartbeat failed: {}", self->system().render(err));
        });
  };
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      tick();
      self->delayed_send(self, opts.interval, tick_atom::value);
    },
    [=](suspect_atom, const std::string& node, int attempts_left) {
      self->request(store, opts.interval * 2, confirm_atom::value, node)
        .then(
          [=](bool confirmed) {
            if (confirmed) {
              if (log)
                log->warn("node {} is gone (connection lost, no database session left): "
                          "declared dead, taking over its chats",
                          node);
              tick(); // claim now, not at the next tick
            } else if (attempts_left > 1) {
              self->delayed_send(self, confirm_retry, suspect_atom::value, node, attempts_left - 1);
            }
          },
          [=](const caf::error&) {});
    },
    [=](status_atom) { return self->state.hb.status; },
  };
}

} // namespace

cluster_monitor_actor spawn_cluster_monitor(caf::actor_system& sys, membership_store_actor store,
                                            takeover_actor registry, cluster_monitor_options opts) {
  monitor_impl full =
    sys.spawn(monitor_behavior, std::move(store), std::move(registry), std::move(opts));
  return caf::actor_cast<cluster_monitor_actor>(full);
}

} // namespace boocode
