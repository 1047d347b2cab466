#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/registry_slot.hpp"
#include "actors/session_deps.hpp"
#include "runtime/messages.hpp"

namespace boocode {

// The node's supervisor and router of actors, kind-generic: a slot per
// actor (kind, id), what differs by kind in its traits. The registry actor
// (actors/session_registry.cpp) only dispatches its messages to the methods
// of `registry`, which live in one unit per job: routing
// (registry_routing.cpp), supervision (registry_supervision.cpp), subscriber
// fan-out (registry_fanout.cpp) and operator actions (registry_operations.cpp).

/// What the registry needs to know of a kind of actor.
struct kind_traits {
  /// For logs: "chat".
  std::string noun;
  /// Starts the actor `id` on this node; it loads its own state (from its
  /// snapshot and journal) and decides whether it has work.
  std::function<session_actor(caf::actor_system&, const std::string& id)> spawn;
};

using kind_table = std::map<protocol::actor_kind, kind_traits>;

/// The registry's private messages: try routing an actor again; start a
/// crashed one again after its delay.
using retry_atom = caf::atom_constant<caf::atom("sr_retry")>;
using respawn_atom = caf::atom_constant<caf::atom("sr_respawn")>;

/// The registry actor: its public interface plus its private messages.
using registry_impl =
  session_registry_actor::extend<caf::reacts_to<retry_atom, protocol::actor_kind, std::string>,
                                 caf::reacts_to<respawn_atom, protocol::actor_kind, std::string>>;

/// The registry's state and logic, owned by its actor and called only from
/// its handlers.
class registry {
public:
  registry() = default;
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;
  /// Stops the sessions of this node's actors (they stop their turns, which
  /// resume on the next start).
  ~registry();

  /// `moved` counts the actors it moves to other nodes.
  void init(registry_impl::pointer self, std::string node_id, std::shared_ptr<spdlog::logger> log,
            cluster_store_actor store, peer_links_actor peers, kind_table kinds,
            metrics::counter moved);

  // Routing (registry_routing.cpp).
  /// Finds the actor's owner and attaches to its actor: here, or on the
  /// owner's node through its directory.
  void resolve(const actor_key& key);
  /// Runs `op` on the actor, wherever it is (queued until routed).
  void with_session(const actor_key& key, std::function<void(const session_actor&)> op);
  /// Runs `here()` when this node owns the actor (claiming it when no live
  /// node does), else `there(dir)` with its owner's directory; `fail` when
  /// neither can be asked.
  void at_owner(const actor_key& key, std::function<void()> here,
                std::function<void(const node_directory_actor&)> there,
                std::function<void(const caf::error&)> fail);
  /// Another node asks for the actor (resolve_atom).
  caf::result<session_actor> resolve_request(const actor_key& key);
  /// Taken over by this node (resume_atom).
  void resume(const actor_key& key);
  /// The retry timer fired.
  void retry_route(const actor_key& key);
  /// Delivers a user message (in the inbox already) to the actor, wherever it is.
  void deliver(const actor_key& key, const chat::inbox_entry& entry);
  /// Cancels its running turn, wherever it is.
  void cancel(const actor_key& key);

  // Supervision (registry_supervision.cpp).
  /// The local actor, started when it should run and does not.
  session_actor local_session(const actor_key& key, actor_slot& slot);
  /// Stops the local actor at its turn boundary (cancelling the running
  /// turn first when `cancel`), forgets it, then runs `then`; also when it
  /// ended otherwise (a crash: its journal stays for the next owner).
  void stop_session(const actor_key& key, bool cancel, std::function<void()> then);
  /// Starts it again by hand (or after its crash delay): false when it runs.
  bool restart_here(const actor_key& key);
  /// A crashed actor's delay is over: started again unless things changed.
  void respawn(const actor_key& key);
  void on_down(const caf::down_msg& dm);
  /// The cluster declared this node dead: its actors are others' now.
  void reset();

  // Fan-out (registry_fanout.cpp).
  void subscribe(const actor_key& key, const ws_client_actor& client, int64_t after_seq,
                 int64_t epoch);
  void unsubscribe(const actor_key& key, const ws_client_actor& client);
  /// Hands every subscriber and queued operation to the actor `s`.
  void attach(actor_slot& slot, const session_actor& s);
  /// Tells the actor's subscribers why it does not run.
  void tell(const actor_key& key, actor_slot& slot);

  // Operator actions (registry_operations.cpp).
  caf::result<bool> restart(const actor_key& key);
  caf::result<bool> migrate(const actor_key& key, const std::string& target);
  caf::result<int64_t> drain();
  caf::result<bool> stop(const actor_key& key);
  caf::result<protocol::chat_status> status(const actor_key& key);
  std::vector<actor_live> stats() const;
  caf::result<protocol::actor_state, std::vector<std::string>> inspect(const actor_key& key);

  actor_slot& slot(const actor_key& key) { return slots_[key]; }
  actor_slot* find(const actor_key& key);

private:
  void start(const actor_key& key, actor_slot& slot);
  /// Routing failed: tell whoever waits, try again later.
  void route_failed(const actor_key& key, const caf::error& err);
  /// Asks the owner's directory at `address` for the actor.
  void ask_owner(const actor_key& key, const std::string& owner, const std::string& address);
  /// Runs a migration's after-route callbacks with `err`.
  static void settle(actor_slot& slot, const caf::error& err);
  /// Moves an actor this node owns to `target` at its next turn boundary.
  void migrate_local(const actor_key& key, const std::string& target, bool restore,
                     std::function<void(caf::expected<bool>)> done);
  /// A move that failed: the actor stays here as it was before (a restart
  /// that came due meanwhile runs now; held or failed, whoever waits is told).
  void settle_move(const actor_key& key, actor_slot& slot);
  /// Moves each of `ids` to the least loaded of `load`; the number moved.
  void spread(std::vector<std::string> ids, std::map<std::string, int64_t> load,
              std::shared_ptr<caf::typed_response_promise<int64_t>> rp);
  const kind_traits& traits(const actor_key& key) const;

  registry_impl::pointer self_ = nullptr;
  std::string me_;
  std::shared_ptr<spdlog::logger> log_;
  cluster_store_actor store_;
  peer_links_actor peers_; // other nodes' directories
  kind_table kinds_;
  metrics::counter moved_;
  std::map<actor_key, actor_slot> slots_;
};

} // namespace boocode
