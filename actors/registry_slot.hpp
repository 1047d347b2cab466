#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <caf/error.hpp>
#include <caf/typed_response_promise.hpp>

#include "runtime/messages.hpp"
#include "runtime/protocol/states.hpp"

namespace boocode {

// What the registry (actors/registry.hpp) knows of one actor, and the plain
// decisions it takes on it: no actor code here.

/// When a crashed actor restarts: after first_delay, doubling per crash up
/// to max_delay; after max_crashes crashes within `window` it is failed (no
/// more restarts until one by hand).
struct restart_policy {
  std::chrono::milliseconds first_delay{100};
  std::chrono::milliseconds max_delay{5000};
  int max_crashes = 5;
  std::chrono::seconds window{60};
  std::vector<std::chrono::steady_clock::time_point> crashes; // within `window`, oldest first
  bool failed = false;

  /// Records a crash at `now`; the delay before the restart (meaningless
  /// once failed is set).
  std::chrono::milliseconds record_crash(std::chrono::steady_clock::time_point now);
  /// Forgets the crashes (a restart by hand).
  void reset();
};

/// An actor of the cluster: its kind and its id (a chat's session: the chat id).
struct actor_key {
  protocol::actor_kind kind = protocol::actor_kind::session;
  std::string id;
  bool operator==(const actor_key& o) const { return kind == o.kind && id == o.id; }
  bool operator<(const actor_key& o) const { return std::tie(kind, id) < std::tie(o.kind, o.id); }
};

/// Where an actor stands as this node sees it. Not ours: unrouted,
/// resolving, remote. Ours (this node holds its lease): the rest.
enum class slot_state {
  unrouted,   // nobody asked for it yet, or its last route failed (`refused` says why)
  resolving,  // asking the store who owns it, then the owner's directory
  remote,     // another node's actor serves it
  owned,      // ours, not running (not started yet, or it ended normally)
  running,    // ours, its actor runs here
  restarting, // ours, it crashed: starts again after the policy's delay
  failed,     // ours, it crashed too often: only a restart by hand starts it
  held,       // ours, stopped by an operator until a restart
  moving,     // ours, stopping at its turn boundary to move to another node
};

/// Whether this node holds the actor's lease in state `s`.
bool is_local(slot_state s);

/// Where a subscriber continues from, until its first snapshot.
struct resume_from {
  int64_t after_seq = -1;
  int64_t epoch = 0;
};

/// One actor as this node sees it.
struct actor_slot {
  slot_state state = slot_state::unrouted;
  slot_state before_move = slot_state::owned; // moving: where it stays if the move fails
  session_actor session;                      // ours: while it runs (and while it stops)
  std::function<void()> stopping;             // while its session stops: what runs once it has
  restart_policy policy;
  std::string last_error; // the last crash, in words

  session_actor remote; // state remote: the owner's actor, on another node
  std::string owner;

  std::string asking;  // resolving: the node whose directory is asked now
  int stale = 0;       // owners named by the store that said they were not, in a row
  int failures = 0;    // routing attempts failed in a row
  std::string refused; // why no node serves it (told to subscribers)
  protocol::session_failure refusal = protocol::session_failure::unavailable;
  std::vector<std::function<void(const session_actor&)>> queued;   // waiting for a route
  std::vector<caf::typed_response_promise<session_actor>> waiting; // directory requests
  std::vector<std::function<void(const caf::error&)>> after_route; // a migration's restore
  bool force_route = false;
  std::map<ws_client_actor, resume_from> subscribers; // re-subscribed wherever it moves

  /// Whether someone waits for it to be routed.
  bool needs_route() const {
    return force_route || !subscribers.empty() || !queued.empty() || !waiting.empty();
  }
  /// Ends a resolve (the state goes back to unrouted unless it changed meanwhile).
  void done_resolving() {
    if (state == slot_state::resolving)
      state = slot_state::unrouted;
  }
  /// Its state as operators and browsers see it: a move does not hide that
  /// it was held or failed.
  slot_state shown() const { return state == slot_state::moving ? before_move : state; }
  /// Takes the lease's side: ours, not running, unless it is ours already.
  void own() {
    if (!is_local(state))
      state = slot_state::owned;
  }
};

/// Exits that are no crash: a stop, or the actor belongs elsewhere.
bool is_crash(const caf::error& reason);

/// Why an actor an operator stopped does not run.
std::string stopped_text(const std::string& id);

/// The session_failed frame telling subscribers why the actor does not run:
/// it failed (crashed too often), an operator stopped it, or no node can serve it.
std::string failed_frame(const std::string& id, const actor_slot& slot);

/// Why a routing error says no node serves the actor now, if it does.
std::optional<protocol::session_failure> refusal_of(const caf::error& err);

/// The chat status a refusal stands for.
protocol::chat_status status_of(protocol::session_failure why);

/// What the admin port's stats show of an actor of this node; nothing for
/// one that is not ours or not loaded.
std::optional<protocol::actor_state> live_state(const actor_slot& slot);

/// errc::not_owner: node `node` serves the actor.
caf::error served_by(const std::string& id, const std::string& node);

} // namespace boocode
