#pragma once

// Internal to actors/: the session actor's state (actors/session.cpp).
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include <caf/all.hpp>

#include "actors/session_deps.hpp"
#include "actors/session_loader.hpp"
#include "actors/turn_worker.hpp"
#include "runtime/chat/live_view.hpp"
#include "runtime/messages.hpp"

namespace boocode::session_detail {

struct pending_subscribe {
  ws_client_actor client;
  int64_t after_seq = -1;
  int64_t epoch = 0;
};

using load_retry_atom = caf::atom_constant<caf::atom("s_retry")>;
using load_done_atom = caf::atom_constant<caf::atom("s_loaded")>;
using idle_atom = caf::atom_constant<caf::atom("s_idle")>;
using saved_atom = caf::atom_constant<caf::atom("s_saved")>;

/// The session plus its private messages: a load's result, a load to try
/// again, the idle timer (its generation), and a passivation's seq saved
/// (generation, seq, whether it was).
using session_impl =
  session_actor::extend<caf::reacts_to<load_done_atom, load_result>,
                        caf::reacts_to<load_retry_atom>, caf::reacts_to<idle_atom, uint64_t>,
                        caf::reacts_to<saved_atom, uint64_t, int64_t, bool>>;

/// Where a session is: loading its state (input waits), live, saving its
/// seq before it unloads (still live), or unloaded (dormant: it keeps its
/// lease, epoch and seq; the next input loads it again).
enum class session_phase { loading, live, saving, dormant };

struct session_state {
  frame_sequencer frames;
  std::unique_ptr<frame_log> log; // while loaded
  chat::live_view view;
  std::set<ws_client_actor> subscribers;
  storage::fence fence;
  session_phase phase = session_phase::loading;
  std::chrono::milliseconds load_wait{250}; // before the next try while the database is away
  uint64_t idle_gen = 0;                    // the idle timer that counts
  std::vector<pending_subscribe> early_subscribers; // before the load finished
  std::vector<chat::inbox_entry> early_deliveries;
  bool early_cancel = false;
  std::shared_ptr<cancel_token> running; // set while a turn worker runs
  std::shared_ptr<chat_memory> memory;   // the chat as turns left it (null: unloaded)
  bool turn_over = false;                // its turn_end went out: the turn is stored
  // The user cancelled the last turn: notifications wait for their next message.
  bool hold_notifications = false;
  std::string parent_chat; // a subagent's chat (its approvals are shown there)
  bool pending = false;    // input arrived during the turn
  // Messages delivered while a turn ran, for the next turn to take (unless
  // the running one took them: its turn_start says).
  std::vector<chat::inbox_entry> waiting;
  // Set while it stops for a migration: answered at the turn boundary.
  std::optional<caf::typed_response_promise<bool>> migrating;
  static inline const char* name = "session";

  counted_actor counted; // in the node's counts, as loaded or unloaded

  bool loaded() const { return phase == session_phase::live || phase == session_phase::saving; }

  /// Moves to phase `p`, keeping the node's counts.
  void enter(session_phase p) {
    phase = p;
    counted.set(loaded()                          ? residency::loaded
                : phase == session_phase::dormant ? residency::unloaded
                                                  : residency::none);
  }

  // The session stops (node shutdown, a crash): stop its turn too, so no turn
  // outlives it (the turn resumes from its journal in the next session).
  ~session_state() {
    if (running)
      running->cancel(cancel_reason::shutdown);
  }
};

} // namespace boocode::session_detail
