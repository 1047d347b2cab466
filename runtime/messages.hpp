#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/typed_actor.hpp>

#include "runtime/chat/events.hpp"
#include "runtime/chat/journal.hpp"
#include "runtime/protocol/states.hpp"

// Message vocabulary shared by the modules: atoms and typed actor interfaces.
// Modules talk through these handles, never through each other's classes.

namespace boocode {

using heartbeat_atom = caf::atom_constant<caf::atom("heartbeat")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using unsubscribe_atom = caf::atom_constant<caf::atom("unsub")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using frame_atom = caf::atom_constant<caf::atom("frame")>;
using events_atom = caf::atom_constant<caf::atom("events")>;
using turn_done_atom = caf::atom_constant<caf::atom("turn_done")>;
using wake_atom = caf::atom_constant<caf::atom("wake")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
using restart_atom = caf::atom_constant<caf::atom("restart")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
using resolve_atom = caf::atom_constant<caf::atom("resolve")>;
using migrate_atom = caf::atom_constant<caf::atom("migrate")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using reset_atom = caf::atom_constant<caf::atom("reset")>;
using confirm_atom = caf::atom_constant<caf::atom("confirm")>;
using route_atom = caf::atom_constant<caf::atom("route")>;
using move_atom = caf::atom_constant<caf::atom("move")>;
using leases_atom = caf::atom_constant<caf::atom("leases")>;
using nodes_atom = caf::atom_constant<caf::atom("nodes")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using state_atom = caf::atom_constant<caf::atom("state")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using inspect_atom = caf::atom_constant<caf::atom("inspect")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using introduce_atom = caf::atom_constant<caf::atom("introduce")>;

/// How the heartbeat loop is doing, for health reports and tests.
struct heartbeat_status {
  uint64_t sent = 0;
  uint64_t failed = 0;
  uint64_t consecutive_failures = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heartbeat_status& x) {
  return f(caf::meta::type_name("heartbeat_status"), x.sent, x.failed, x.consecutive_failures);
}

/// Another node of the cluster, as the nodes table has it.
struct peer_info {
  std::string node_id;
  std::string address; // its cluster address (HOST:PORT)
  std::string state;   // up, draining, stopped, dead
  int64_t actors = 0;  // leases it holds
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_info& x) {
  return f(caf::meta::type_name("peer_info"), x.node_id, x.address, x.state, x.actors);
}

/// One heartbeat of this node and what the cluster looks like after it.
struct cluster_tick {
  bool alive = true;                      // false: the cluster declared this node dead
  std::vector<std::string> declared_dead; // nodes this tick declared dead
  std::vector<std::string> resume;        // chats with work this tick took over
  int64_t claimed = 0;                    // leases this tick took over
  std::vector<peer_info> peers;           // the other up or draining nodes
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_tick& x) {
  return f(caf::meta::type_name("cluster_tick"), x.alive, x.declared_dead, x.resume, x.claimed,
           x.peers);
}

/// What a node's registry knows of one of its actors, for operators: idle
/// (loaded: the database tells whether a turn runs), restarting, failed or
/// stopped (by an operator).
struct actor_live {
  std::string id;
  protocol::actor_state state = protocol::actor_state::idle;
  uint32_t restarts = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_live& x) {
  return f(caf::meta::type_name("actor_live"), x.id, x.state, x.restarts);
}

/// How a turn worker ended: nothing to do (idle), checkpointed, checkpointed
/// with more messages waiting (more), interrupted by the node stopping,
/// fenced (another owner took the chat), failed (the database failed) or
/// waiting for a user's decision on a tool call (its turn goes on with the answer).
enum class turn_done { idle, checkpointed, more, interrupted, fenced, failed, waiting };

} // namespace boocode

// Local only (a session and its loader and turn workers run on one node).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(boocode::chat::event_batch)

namespace boocode::model {

/// An image a message carries (a reference: its bytes stay in the store).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_ref& x) {
  return f(caf::meta::type_name("image_ref"), x.id, x.sha256, x.media_type, x.bytes, x.width,
           x.height, x.name);
}

} // namespace boocode::model

namespace boocode::chat {

/// A user message in the inbox, delivered to its session (on any node),
/// with its images. It is waiting: taken_turn does not travel.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inbox_entry& x) {
  return f(caf::meta::type_name("inbox_entry"), x.id, x.kind, x.content, x.client_id, x.created_at,
           x.attachments);
}

} // namespace boocode::chat

namespace boocode {

/// One browser connection: forwards chat frames (complete JSON text) to it.
using ws_client_actor = caf::typed_actor<caf::reacts_to<frame_atom, std::string>,
                                         caf::reacts_to<frame_atom, std::vector<std::string>>>;

/// One chat (actors/session). `deliver` carries a user message that is in
/// the inbox; the session emits its message and ack events and starts a
/// turn unless one runs. `subscribe` (client, after_seq, epoch; after_seq -1:
/// none) answers the client with a snapshot frame, then the frames it
/// missed. `events` come from its turn worker, which ends with `turn_done`
/// and asks for the frame `seq` to checkpoint. Status answers idle or
/// running. `migrate` stops it at the next
/// turn boundary (answering once its turn is stored) so the chat can move to
/// another node; `stop` cancels the running turn first. `inspect` answers its
/// state (unloaded while passivated) and its subscribers.
using session_actor = caf::typed_actor<
  caf::reacts_to<deliver_atom, chat::inbox_entry>,
  caf::reacts_to<subscribe_atom, ws_client_actor, int64_t, int64_t>,
  caf::reacts_to<unsubscribe_atom, ws_client_actor>, caf::reacts_to<cancel_atom>,
  caf::reacts_to<events_atom, chat::event_batch>, caf::reacts_to<turn_done_atom, turn_done>,
  caf::replies_to<status_atom>::with<protocol::session_status>,
  caf::replies_to<migrate_atom>::with<bool>, caf::replies_to<stop_atom>::with<bool>,
  caf::replies_to<inspect_atom>::with<protocol::actor_state, std::vector<std::string>>>;

/// Writes finished calls from the trace queue to PostgreSQL in batches, off
/// the agents' path. `wake`: rows are waiting. `flush`: write what waits now;
/// answers whether nothing is left. `close`: the node stops: record open calls
/// as interrupted, write everything (retrying briefly), answer, and quit.
using trace_writer_actor =
  caf::typed_actor<caf::reacts_to<wake_atom>, caf::replies_to<flush_atom>::with<bool>,
                   caf::replies_to<close_atom>::with<bool>>;

/// What a node offers the others on its cluster port (actors/node_directory):
/// `resolve` answers the session of a chat this node owns (starting it), or
/// errc::not_owner; `migrate` (chat, node) moves a chat this node owns to
/// another node; `restart` starts a failed or stopped session again; `stop`
/// stops one until then; `stats` lists this node's actors; `inspect` (chat)
/// answers a local session's status and subscribers; `drain` moves every chat
/// off this node and then stops the node. `introduce` (node id, its
/// directory) comes from a node that just connected to this one, so this one
/// uses that connection instead of opening a second (actors/peer_links).
using node_directory_actor = caf::typed_actor<
  caf::replies_to<resolve_atom, std::string>::with<session_actor>,
  caf::replies_to<migrate_atom, std::string, std::string>::with<bool>,
  caf::replies_to<restart_atom, std::string>::with<bool>,
  caf::replies_to<stop_atom, std::string>::with<bool>,
  caf::replies_to<stats_atom>::with<std::vector<actor_live>>,
  caf::replies_to<inspect_atom, std::string>::with<protocol::actor_state, std::vector<std::string>>,
  caf::replies_to<drain_atom>::with<int64_t>,
  caf::reacts_to<introduce_atom, std::string, caf::strong_actor_ptr>>;

/// A node's links to the other nodes' directories (actors/peer_links):
/// `connect` (node id, cluster address) answers that node's directory over
/// the one connection between the two nodes; `join` names this node's own
/// directory (introduced to every node this one connects to); `introduce`
/// (node id, directory) records a node that connected to this one.
using peer_links_actor = caf::typed_actor<
  caf::replies_to<caf::connect_atom, std::string, std::string>::with<node_directory_actor>,
  caf::reacts_to<join_atom, node_directory_actor>,
  caf::reacts_to<introduce_atom, std::string, caf::strong_actor_ptr>>;

/// The node's supervisor and router of sessions, by chat id
/// (actors/session_registry): finds a chat's owner (claiming it when nobody
/// live does), runs the sessions of the chats this node owns and forwards to
/// the owner's session otherwise, re-routing a chat's subscribers when its
/// session moves or its node dies. Restarts a crashed local session with
/// backoff and marks it failed after repeated crashes; `restart` starts a
/// failed one again by hand; `resume` starts the sessions of chats with work
/// this node took over. `resolve`, `migrate` and `restart` also serve the
/// node directory. `drain` moves every chat off this node (answering how many
/// moved); `reset` stops every local session (the cluster declared this node
/// dead). `stop` stops a chat's session until `restart` (messages wait);
/// `stats` lists the actors this node runs; `inspect` (chat) answers a local
/// session's state and subscribers. Status answers the chat's status.
using session_registry_actor = caf::typed_actor<
  caf::reacts_to<deliver_atom, std::string, chat::inbox_entry>,
  caf::reacts_to<subscribe_atom, std::string, ws_client_actor, int64_t, int64_t>,
  caf::reacts_to<unsubscribe_atom, std::string, ws_client_actor>,
  caf::reacts_to<cancel_atom, std::string>, caf::replies_to<restart_atom, std::string>::with<bool>,
  caf::reacts_to<resume_atom, std::vector<std::string>>,
  caf::replies_to<status_atom, std::string>::with<protocol::chat_status>,
  caf::replies_to<resolve_atom, std::string>::with<session_actor>,
  caf::replies_to<migrate_atom, std::string, std::string>::with<bool>,
  caf::replies_to<drain_atom>::with<int64_t>, caf::replies_to<reset_atom>::with<bool>,
  caf::replies_to<stop_atom, std::string>::with<bool>,
  caf::replies_to<stats_atom>::with<std::vector<actor_live>>,
  caf::replies_to<inspect_atom, std::string>::with<protocol::actor_state,
                                                   std::vector<std::string>>>;

/// The node's database work for the cluster (actors/cluster_store), blocking,
/// so spawned detached. `heartbeat`: record this node alive, declare lapsed
/// nodes dead, take over this node's share of orphaned leases. `confirm`
/// (node): declare it dead if it holds no database connection. `route`
/// (chat): its owner's id and cluster address, claiming it for this node when
/// no live node owns it. `move` (chat, from, to): the lease's new epoch.
/// `leases` (node): the chats it owns. `nodes`: the cluster's nodes. `join`
/// (HTTP, cluster and admin addresses): register this node (empty), and without
/// arguments: again, after the cluster declared it dead. `state` (state): set
/// this node's state.
/// Failures: errc::storage_unavailable (the database unreachable), storage_failure,
/// not_found, refused (with why).
using cluster_store_actor =
  caf::typed_actor<caf::replies_to<heartbeat_atom>::with<cluster_tick>,
                   caf::replies_to<confirm_atom, std::string>::with<bool>,
                   caf::replies_to<route_atom, std::string>::with<std::string, std::string>,
                   caf::replies_to<move_atom, std::string, std::string, std::string>::with<int64_t>,
                   caf::replies_to<leases_atom, std::string>::with<std::vector<std::string>>,
                   caf::replies_to<nodes_atom>::with<std::vector<peer_info>>,
                   caf::replies_to<join_atom, std::string, std::string, std::string>::with<bool>,
                   caf::replies_to<join_atom>::with<bool>,
                   caf::replies_to<state_atom, std::string>::with<bool>>;

/// Keeps this node in the cluster (actors/cluster_monitor): heartbeats,
/// connects to the other nodes and watches them (a lost connection is
/// confirmed against the database at once), resumes the chats it takes over,
/// and rejoins empty when the cluster declared it dead.
using cluster_monitor_actor =
  caf::typed_actor<caf::replies_to<status_atom>::with<heartbeat_status>>;

} // namespace boocode
