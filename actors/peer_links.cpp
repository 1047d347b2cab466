#include "actors/peer_links.hpp"

#include <map>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/peers.hpp"
#include "runtime/actor_system.hpp"
#include "runtime/errors.hpp"

namespace boocode {

bool dials_peer(const std::string& me, const std::string& peer) {
  return me < peer;
}

namespace {

using wait_over_atom = caf::atom_constant<caf::atom("pl_wait")>;

/// The actor plus its private message: the wait for a peer's dial is over
/// (node id, attempt).
using links_impl = peer_links_actor::extend<caf::reacts_to<wait_over_atom, std::string, uint64_t>>;

enum class link_state { awaiting, dialing, linked };

struct link {
  link_state state = link_state::awaiting;
  node_directory_actor directory;
  std::string address;
  /// Told the directory once there is one (or the error).
  std::vector<caf::typed_response_promise<node_directory_actor>> waiting;
  /// Which attempt a late answer or timer belongs to.
  uint64_t attempt = 0;
};

struct links_state {
  std::map<std::string, link> links;
  node_directory_actor own; // introduced to every node this one dials
  uint64_t attempts = 0;
  static inline const char* name = "peer-links";
};

using self_ptr = links_impl::stateful_pointer<links_state>;

void settle(link& l, const node_directory_actor* dir, const caf::error* err) {
  for (auto& rp : std::exchange(l.waiting, {})) {
    if (dir != nullptr)
      rp.deliver(*dir);
    else
      rp.deliver(*err);
  }
}

/// Records `dir` as node `node`'s directory (dialed or introduced), watches
/// it, and answers whoever waited.
void linked(self_ptr self, const std::string& node, node_directory_actor dir) {
  auto& l = self->state.links[node];
  if (l.state == link_state::linked && l.directory == dir)
    return;
  if (l.directory)
    self->demonitor(l.directory.address());
  l.state = link_state::linked;
  l.directory = std::move(dir);
  self->monitor(l.directory);
  settle(l, &l.directory, nullptr);
}

void failed(self_ptr self, const std::string& node, uint64_t attempt, const caf::error& err) {
  auto i = self->state.links.find(node);
  if (i == self->state.links.end() || i->second.attempt != attempt ||
      i->second.state == link_state::linked)
    return;
  settle(i->second, nullptr, &err);
  self->state.links.erase(i);
}

void dial(self_ptr self, const peer_links_options& opts, const std::string& node) {
  auto& l = self->state.links[node];
  l.state = link_state::dialing;
  auto attempt = l.attempt;
  auto where = split_address(l.address);
  if (!where) {
    failed(self, node, attempt,
           caf::make_error(errc::invalid_argument, "bad cluster address '" + l.address + "'"));
    return;
  }
  self
    ->request(cluster_middleman(self->system()), opts.dial_timeout, caf::connect_atom::value,
              where->first, where->second)
    .then(
      [=](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
        if (!ptr) {
          failed(
            self, node, attempt,
            caf::make_error(errc::unavailable, "nothing published at the cluster port of " + node));
          return;
        }
        auto dir = caf::actor_cast<node_directory_actor>(std::move(ptr));
        // The peer uses this connection from now on, never one of its own.
        if (self->state.own)
          self->send(dir, introduce_atom::value, opts.node_id,
                     caf::actor_cast<caf::strong_actor_ptr>(self->state.own));
        auto i = self->state.links.find(node);
        if (i != self->state.links.end() && i->second.attempt == attempt)
          linked(self, node, std::move(dir));
      },
      [=](caf::error& e) { failed(self, node, attempt, e); });
}

links_impl::behavior_type links_behavior(self_ptr self, peer_links_options opts) {
  auto log = opts.log;
  self->set_down_handler([self, log](const caf::down_msg& dm) {
    for (auto i = self->state.links.begin(); i != self->state.links.end(); ++i)
      if (i->second.directory && i->second.directory.address() == dm.source) {
        if (log)
          log->debug("the link to node {} is gone: {}", i->first, self->system().render(dm.reason));
        self->state.links.erase(i);
        return;
      }
  });
  return {
    [=](caf::connect_atom, const std::string& node,
        const std::string& address) -> caf::result<node_directory_actor> {
      if (node == opts.node_id && self->state.own)
        return self->state.own;
      auto& l = self->state.links[node];
      if (l.state == link_state::linked)
        return l.directory;
      auto rp = self->make_response_promise<node_directory_actor>();
      l.waiting.push_back(rp);
      if (l.waiting.size() == 1 && l.attempt == 0) { // a new link
        l.attempt = ++self->state.attempts;
        l.address = address;
        if (dials_peer(opts.node_id, node))
          dial(self, opts, node);
        else
          self->delayed_send(self, opts.wait_for_peer, wait_over_atom::value, node, l.attempt);
      }
      return rp;
    },
    [=](wait_over_atom, const std::string& node, uint64_t attempt) {
      auto i = self->state.links.find(node);
      if (i == self->state.links.end() || i->second.attempt != attempt ||
          i->second.state != link_state::awaiting)
        return;
      // Never dialed from this side: a crossing dial would take down the
      // link the peer may be making right now (see dials_peer).
      // A connection error, not a refusal: callers retry soon, as after a
      // dial that failed.
      failed(self, node, attempt,
             caf::make_error(caf::sec::cannot_connect_to_node,
                             "node " + node +
                               " has not connected to this node (of two nodes, "
                               "the one whose id sorts first connects)"));
    },
    [=](join_atom, node_directory_actor own) { self->state.own = std::move(own); },
    [=](introduce_atom, const std::string& node, caf::strong_actor_ptr& dir) {
      if (node == opts.node_id || !dir)
        return;
      linked(self, node, caf::actor_cast<node_directory_actor>(std::move(dir)));
    },
  };
}

} // namespace

peer_links_actor spawn_peer_links(caf::actor_system& sys, peer_links_options opts) {
  links_impl full = sys.spawn(links_behavior, std::move(opts));
  return caf::actor_cast<peer_links_actor>(full);
}

} // namespace boocode
