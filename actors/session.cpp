#include "actors/session.hpp"

#include <algorithm>
#include <deque>

#include <caf/all.hpp>

#include "actors/session_loader.hpp"
#include "actors/session_state.hpp"
#include "actors/turn_worker.hpp"
#include "runtime/chat/live_view.hpp"
#include "runtime/errors.hpp"
#include "runtime/protocol/frames.hpp"
#include "runtime/protocol/tasks.hpp"
#include "storage/storage_error.hpp"

namespace boocode {

namespace {

using namespace session_detail;

/// Loads the chat on the node's blocking queue; the result comes back as
/// load_done. `keep`: the lease to keep (a reload after passivation).
void post_load(session_impl::stateful_pointer<session_state> self,
               const std::shared_ptr<const session_deps>& deps,
               std::optional<storage::fence> keep) {
  auto me = caf::actor_cast<session_impl>(self);
  auto chat_id = self->state.frames.chat_id;
  deps->blocking->post([deps, me, chat_id, keep] {
    caf::anon_send(me, load_done_atom::value, load_session(*deps, chat_id, keep));
  });
}

session_impl::behavior_type session_behavior(session_impl::stateful_pointer<session_state> self,
                                             std::shared_ptr<const session_deps> deps,
                                             std::string chat_id) {
  self->state.frames = {chat_id, 0};
  self->state.counted = counted_actor{deps->counts, protocol::kind_of_actor(chat_id)};
  auto status = [self] {
    return self->state.running && !self->state.turn_over ? protocol::session_status::running
                                                         : protocol::session_status::idle;
  };
  // Nothing runs, nobody watches, nothing waits: it may unload.
  auto idle = [self, deps] {
    auto& st = self->state;
    return deps->passivate_after.count() > 0 && st.loaded() && !st.running &&
           st.subscribers.empty() && !st.migrating && !st.pending;
  };
  // Starts the idle timer when it is idle (a newer timer voids older ones).
  auto arm_idle = [self, deps, idle] {
    if (idle())
      self->delayed_send(self, deps->passivate_after, idle_atom::value, ++self->state.idle_gen);
  };
  auto drop_subscriber = [self, arm_idle](const caf::actor_addr& who) {
    auto& subs = self->state.subscribers;
    for (auto i = subs.begin(); i != subs.end(); ++i)
      if (i->address() == who) {
        subs.erase(i);
        arm_idle();
        return;
      }
  };
  self->set_down_handler(
    [drop_subscriber](const caf::down_msg& dm) { drop_subscriber(dm.source); });
  post_load(self, deps, std::nullopt);
  // The next frame: numbered, applied to the view and kept in the log.
  auto frame_of = [self](const chat::agent_event& e) {
    auto& st = self->state;
    auto frame = st.frames.next(e);
    if (st.memory)
      st.memory->seq.store(st.frames.seq, std::memory_order_relaxed);
    st.view.apply(e);
    if (const auto* end = std::get_if<chat::turn_ended>(&e)) {
      st.turn_over = true;
      st.hold_notifications = end->outcome == protocol::turn_outcome::cancelled;
    }
    if (st.log)
      st.log->add(st.frames.seq, frame);
    return frame;
  };
  // A subagent's approval requests and their answers are shown in its chat too.
  auto forward_approval = [self, deps](const chat::agent_event& e) {
    const auto& st = self->state;
    std::string text;
    if (const auto* a = std::get_if<chat::approval_requested>(&e)) {
      auto marked = *a;
      marked.task_id = st.frames.chat_id;
      text = protocol::task_event_text(marked);
    } else if (const auto* r = std::get_if<chat::approval_resolved>(&e)) {
      auto marked = *r;
      marked.task_id = st.frames.chat_id;
      text = protocol::task_event_text(marked);
    }
    if (text.empty())
      return;
    chat::inbox_entry entry;
    entry.kind = chat::inbox_kind::task_event;
    entry.content = std::move(text);
    if (auto r = deps->router->get())
      self->send(r, deliver_atom::value, st.parent_chat, std::move(entry));
  };
  // The frames of `batch`, in one message per subscriber.
  auto relay = [self, frame_of, forward_approval](const chat::event_batch& batch) {
    std::vector<std::string> frames;
    frames.reserve(batch.size());
    for (auto& e : batch) {
      frames.push_back(frame_of(e));
      if (!self->state.parent_chat.empty())
        forward_approval(e);
    }
    if (!frames.empty())
      for (auto& s : self->state.subscribers)
        self->send(s, frame_atom::value, frames);
  };
  // `next`: a message just delivered, for the new turn with those waiting.
  auto start_turn = [self, deps](std::optional<chat::inbox_entry> next) {
    auto& st = self->state;
    st.pending = false;
    st.turn_over = false;
    st.running = std::make_shared<cancel_token>();
    if (!st.memory)
      st.memory = std::make_shared<chat_memory>();
    st.memory->seq.store(st.frames.seq, std::memory_order_relaxed);
    std::vector<chat::inbox_entry> given;
    for (auto& e : std::exchange(st.waiting, {}))
      if (!st.view.taken_by(e.id))
        given.push_back(std::move(e));
    if (next)
      given.push_back(std::move(*next));
    spawn_turn_worker(deps, st.fence, st.running, caf::actor_cast<session_actor>(self), st.memory,
                      std::move(given));
  };
  // An answer to an approval: shown to every subscriber, and the waiting
  // turn runs again with it (after the running one, when one runs).
  auto deliver_answer = [self, relay, start_turn](const chat::inbox_entry& entry) {
    auto answer = chat::read_answer(entry.content);
    if (!answer)
      return;
    relay({chat::approval_resolved{answer->id, answer->decision, answer->note, answer->user}});
    if (self->state.migrating)
      return; // the next owner's turn takes it from the inbox
    if (self->state.running)
      self->state.pending = true;
    else
      start_turn(std::nullopt);
  };
  auto deliver = [self, relay, start_turn, deliver_answer](chat::inbox_entry entry) {
    if (entry.kind == chat::inbox_kind::approval_answer) {
      deliver_answer(entry);
      return;
    }
    if (entry.kind == chat::inbox_kind::task_event) { // for the browsers only
      if (auto e = protocol::read_task_event(entry.content))
        relay({std::move(*e)});
      return;
    }
    // After the user cancelled the last turn, a notification waits for the
    // user's next message instead of starting a turn of its own.
    bool held = entry.kind == chat::inbox_kind::notification && self->state.hold_notifications &&
                !self->state.running;
    // The message may already be shown (the load read it) or already be
    // taken by the running turn (its turn_start came first).
    // Either way a turn already has it: no other turn is needed for it.
    bool known = self->state.view.has_message(entry.id);
    auto taken = self->state.view.taken_by(entry.id);
    entry.taken_turn = taken;
    chat::event_batch shown;
    if (taken || !known)
      shown.emplace_back(chat::message_stored{entry.as_message(self->state.frames.chat_id)});
    shown.emplace_back(chat::message_acked{entry.client_id, entry.id});
    // The turn starts before the frames go: its thread wakes meanwhile.
    if (!known && !taken && !self->state.migrating) { // migrating: the inbox keeps it
      if (held) {
        self->state.waiting.push_back(entry);
      } else if (self->state.running) {
        self->state.pending = true;
        self->state.waiting.push_back(entry);
      } else {
        start_turn(entry);
      }
    }
    relay(shown);
  };
  // Input for an unloaded session: load it again (same lease and epoch);
  // the input waits for the load like the first one's.
  auto wake = [self, deps] {
    if (self->state.phase != session_phase::dormant)
      return;
    self->state.enter(session_phase::loading);
    post_load(self, deps, self->state.fence);
  };
  // Stops for a migration: the turn is stored, so the next owner continues.
  auto stop_for_migration = [self] {
    self->state.migrating->deliver(true);
    self->quit(caf::exit_reason::normal);
  };
  // Stops at the next turn boundary (now when idle), cancelling the running
  // turn first if `cancel`; answers once stopped.
  auto stop_at_boundary = [self, stop_for_migration](bool cancel) {
    auto& st = self->state;
    auto rp = self->make_response_promise<bool>();
    if (st.migrating) { // already stopping: both learn when it stopped
      rp.deliver(false);
      return rp;
    }
    st.migrating = rp;
    if (!st.running) // a turn boundary now (or not loaded yet: nothing ran)
      stop_for_migration();
    else if (cancel)
      st.running->cancel();
    return rp;
  };
  // The snapshot frame (no seq of its own: it stands at `seq`), then the
  // frames the client missed when it can continue from where it was.
  auto subscribe = [self, status](const pending_subscribe& p) {
    auto& st = self->state;
    if (st.subscribers.insert(p.client).second)
      self->monitor(p.client);
    std::optional<std::vector<std::string>> missed;
    if (p.epoch == st.fence.epoch && st.log)
      missed = st.log->after(p.after_seq, st.frames.seq);
    protocol::snapshot_head head{st.frames.chat_id, st.frames.seq, st.fence.epoch, status()};
    if (missed) {
      head.seq = p.after_seq;
      self->send(p.client, frame_atom::value, protocol::resumed_snapshot_frame(head));
      for (auto& f : *missed)
        self->send(p.client, frame_atom::value, f);
      return;
    }
    self->send(p.client, frame_atom::value, protocol::snapshot_frame(head, st.view));
  };
  auto on_loaded = [self, deps, start_turn, subscribe, deliver, arm_idle](loaded_session& l) {
    auto& st = self->state;
    st.fence = storage::fence{st.frames.chat_id, l.epoch, deps->node_id};
    st.frames.seq = std::max(st.frames.seq, l.last_seq);
    st.view.reset(std::move(l.messages), l.turn, l.usage);
    st.hold_notifications = l.hold_notifications;
    st.parent_chat = l.parent_chat;
    st.log = std::make_unique<frame_log>();
    st.enter(session_phase::live);
    st.load_wait = std::chrono::milliseconds(250);
    if (l.has_work && !st.migrating)
      start_turn(std::nullopt);
    if (st.early_cancel && st.running)
      st.running->cancel();
    st.early_cancel = false;
    for (auto& p : std::exchange(st.early_subscribers, {}))
      subscribe(p);
    for (auto& entry : std::exchange(st.early_deliveries, {}))
      deliver(std::move(entry));
    arm_idle();
  };
  return {
    [=](load_done_atom, load_result& r) {
      auto& st = self->state;
      if (r.session) {
        on_loaded(*r.session);
        return;
      }
      auto text = error_text(self->system(), r.error);
      if (is_error(r.error, errc::not_found)) {
        self->quit(caf::exit_reason::normal);
      } else if (is_error(r.error, errc::storage_unavailable)) {
        // An outage is not the session's crash: it waits and tries again.
        if (deps->log)
          deps->log->warn("chat {}: database unreachable, retrying in {} ms: {}", st.frames.chat_id,
                          st.load_wait.count(), text);
        self->delayed_send(self, st.load_wait, load_retry_atom::value);
        st.load_wait = std::min(st.load_wait * 2, std::chrono::milliseconds(5000));
      } else {
        if (deps->log && is_error(r.error, errc::refused))
          deps->log->error("not serving {}", text);
        else if (deps->log && is_error(r.error, errc::storage_failure))
          deps->log->warn("chat {}: cannot load its session: {}", st.frames.chat_id, text);
        self->quit(r.error); // not_owner, fenced, refused: no crash; storage_failure: one
      }
    },
    [=](load_retry_atom) {
      auto& st = self->state;
      if (st.phase != session_phase::loading)
        return;
      std::optional<storage::fence> keep;
      if (st.fence.epoch > 0)
        keep = st.fence;
      post_load(self, deps, keep);
    },
    [=](deliver_atom, chat::inbox_entry& entry) {
      wake();
      if (!self->state.loaded())
        self->state.early_deliveries.push_back(std::move(entry));
      else
        deliver(std::move(entry));
    },
    [=](subscribe_atom, ws_client_actor client, int64_t after_seq, int64_t epoch) {
      wake();
      pending_subscribe p{std::move(client), after_seq, epoch};
      if (!self->state.loaded())
        self->state.early_subscribers.push_back(std::move(p));
      else
        subscribe(p);
    },
    [=](unsubscribe_atom, ws_client_actor client) {
      self->demonitor(client.address());
      drop_subscriber(client.address());
    },
    [=](cancel_atom) { // the turn stops; messages still waiting get their turns
      wake();          // a turn waiting for a decision may be unloaded
      auto& st = self->state;
      if (st.phase == session_phase::loading)
        st.early_cancel = true;
      else if (st.running)
        st.running->cancel();
      else if (!st.view.pending_approvals().empty()) {
        // Its turn waits for a decision: run it cancelled, so each of its
        // calls gets a result and the turn ends.
        start_turn(std::nullopt);
        st.running->cancel();
      }
    },
    [=](events_atom, const chat::event_batch& batch) { relay(batch); },
    [=](turn_done_atom, turn_done how) {
      auto& st = self->state;
      st.running.reset();
      if (how == turn_done::fenced) { // another owner took the chat: stop writing it
        if (deps->log)
          deps->log->warn("chat {}: another node took it over; its session here stops",
                          st.frames.chat_id);
        self->quit(caf::make_error(errc::fenced, st.frames.chat_id));
        return;
      }
      if (how == turn_done::failed) { // the supervisor restarts us from the journal
        self->quit(caf::make_error(errc::storage_failure, "the turn failed"));
        return;
      }
      if (st.migrating) {
        stop_for_migration();
        return;
      }
      if (how == turn_done::waiting && !st.pending) {
        arm_idle(); // until the answer comes (it may unload meanwhile)
        return;
      }
      // Only notifications wait after a turn the user cancelled: they wait on.
      bool held = st.hold_notifications && (!st.waiting.empty() || how == turn_done::more) &&
                  std::all_of(st.waiting.begin(), st.waiting.end(), [](const auto& e) {
                    return e.kind == chat::inbox_kind::notification;
                  });
      if ((st.pending || how == turn_done::more) && how != turn_done::interrupted && !held)
        start_turn(std::nullopt);
      else
        arm_idle();
    },
    [=](idle_atom, uint64_t gen) {
      auto& st = self->state;
      if (gen != st.idle_gen || st.phase != session_phase::live || !idle())
        return;
      // Its seq is saved first: the frames after the reload continue it.
      st.enter(session_phase::saving);
      auto me = caf::actor_cast<session_impl>(self);
      auto fence = st.fence;
      auto seq = st.frames.seq;
      deps->blocking->post([deps, me, fence, gen, seq] {
        bool saved = false;
        try {
          deps->sessions->save_seq(fence, seq);
          saved = true;
        } catch (const std::exception& e) {
          if (deps->log)
            deps->log->warn("chat {}: stays loaded: {}", fence.actor_id, e.what());
        }
        caf::anon_send(me, saved_atom::value, gen, seq, saved);
      });
    },
    [=](saved_atom, uint64_t gen, int64_t seq, bool saved) {
      auto& st = self->state;
      if (st.phase != session_phase::saving)
        return;
      st.enter(session_phase::live);
      // Anything since (a subscriber, a frame, a newer timer) keeps it.
      if (!saved || gen != st.idle_gen || seq != st.frames.seq || !idle()) {
        arm_idle();
        return;
      }
      st.enter(session_phase::dormant);
      st.view = chat::live_view{};
      st.log.reset();
      st.memory.reset();
    },
    [=](status_atom) { return status(); },
    [=](migrate_atom) { return stop_at_boundary(false); },
    [=](stop_atom) { return stop_at_boundary(true); },
    [=](inspect_atom) {
      std::vector<std::string> subs;
      for (auto& s : self->state.subscribers)
        subs.push_back(caf::to_string(s.address()));
      auto state = protocol::actor_state::idle;
      if (status() == protocol::session_status::running)
        state = protocol::actor_state::running;
      else if (self->state.phase == session_phase::dormant)
        state = protocol::actor_state::unloaded;
      return caf::make_result(state, std::move(subs));
    },
  };
}

} // namespace

session_actor spawn_session(caf::actor_system& sys, std::shared_ptr<const session_deps> deps,
                            std::string chat_id) {
  auto full = sys.spawn(session_behavior, std::move(deps), std::move(chat_id));
  return caf::actor_cast<session_actor>(full);
}

} // namespace boocode
