#pragma once

#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/typed_actor.hpp>

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
using turn_done_atom = caf::atom_constant<caf::atom("turn_done")>;
using wake_atom = caf::atom_constant<caf::atom("wake")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
using seq_atom = caf::atom_constant<caf::atom("seq")>;
using loaded_atom = caf::atom_constant<caf::atom("loaded")>;
using restart_atom = caf::atom_constant<caf::atom("restart")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;

/// Records node liveness in the database. Implemented in actors/node_store;
/// blocking, so spawned detached. Replies with an error (errc::storage_failure)
/// when the write fails.
using node_store_actor = caf::typed_actor<caf::replies_to<heartbeat_atom, std::string>::with<void>>;

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

/// Sends heartbeats to a node_store_actor at a fixed interval.
using heartbeat_actor = caf::typed_actor<caf::replies_to<status_atom>::with<heartbeat_status>>;

/// One browser connection: forwards chat frames (complete JSON text) to it.
using ws_client_actor = caf::typed_actor<caf::reacts_to<frame_atom, std::string>>;

/// One chat (actors/session). `deliver` carries the ack and message frames
/// (payload JSON objects without chat_id and seq) of a user message that is
/// in the inbox; the session emits them and starts a turn unless one runs.
/// `subscribe` (client, after_seq, epoch; after_seq -1: none) answers the
/// client with a snapshot frame, then the frames it missed. `frame` (type,
/// payload), or a batch (type, payload, type, payload, ...), comes from its
/// turn worker, which ends with `turn_done` (how: checkpointed, interrupted,
/// fenced, failed, idle) and asks for the frame `seq` to checkpoint. `loaded`
/// (epoch, last_seq, view JSON, has_work) comes from its loader. Status
/// answers idle or running.
using session_actor =
  caf::typed_actor<caf::reacts_to<deliver_atom, std::string, std::string>,
                   caf::reacts_to<subscribe_atom, ws_client_actor, int64_t, int64_t>,
                   caf::reacts_to<unsubscribe_atom, ws_client_actor>, caf::reacts_to<cancel_atom>,
                   caf::reacts_to<frame_atom, std::string, std::string>,
                   caf::reacts_to<frame_atom, std::vector<std::string>>,
                   caf::reacts_to<turn_done_atom, std::string>,
                   caf::replies_to<seq_atom>::with<int64_t>,
                   caf::reacts_to<loaded_atom, int64_t, int64_t, std::string, bool>,
                   caf::replies_to<status_atom>::with<std::string>>;

/// Writes finished calls from the trace queue to PostgreSQL in batches, off
/// the agents' path. `wake`: rows are waiting. `flush`: write what waits now;
/// answers whether nothing is left. `close`: the node stops: record open calls
/// as interrupted, write everything (retrying briefly), answer, and quit.
using trace_writer_actor =
  caf::typed_actor<caf::reacts_to<wake_atom>, caf::replies_to<flush_atom>::with<bool>,
                   caf::replies_to<close_atom>::with<bool>>;

/// The node's supervisor of sessions, by chat id (actors/session_registry):
/// spawns a session on first use and forwards to it; restarts a crashed one
/// with backoff and marks it failed after repeated crashes; `restart` starts
/// a failed one again by hand; `resume` spawns the sessions of every chat with
/// work (a starting node). Status answers idle, running, restarting or failed.
using session_registry_actor =
  caf::typed_actor<caf::reacts_to<deliver_atom, std::string, std::string, std::string>,
                   caf::reacts_to<subscribe_atom, std::string, ws_client_actor, int64_t, int64_t>,
                   caf::reacts_to<unsubscribe_atom, std::string, ws_client_actor>,
                   caf::reacts_to<cancel_atom, std::string>,
                   caf::replies_to<restart_atom, std::string>::with<bool>,
                   caf::reacts_to<resume_atom, std::vector<std::string>>,
                   caf::replies_to<status_atom, std::string>::with<std::string>>;

} // namespace boocode
