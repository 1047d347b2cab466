#include "actors/session.hpp"

#include <deque>

#include <caf/all.hpp>

#include "actors/cluster_store.hpp"
#include "actors/turn_worker.hpp"
#include "runtime/chat/live_view.hpp"
#include "runtime/errors.hpp"
#include "runtime/poll.hpp"
#include "runtime/protocol/frames.hpp"
#include "storage/storage_error.hpp"

namespace boocode {

std::string frame_sequencer::next(const chat::agent_event& e) {
  return protocol::chat_frame(chat_id, ++seq, e);
}

void frame_log::add(int64_t seq, std::string frame) {
  bytes_ += frame.size();
  frames_.emplace_back(seq, std::move(frame));
  while (frames_.size() > capacity_ || (bytes_ > max_bytes_ && frames_.size() > 1)) {
    bytes_ -= frames_.front().second.size();
    frames_.pop_front();
  }
}

std::optional<std::vector<std::string>> frame_log::after(int64_t after_seq,
                                                         int64_t last_seq) const {
  if (after_seq < 0 || after_seq > last_seq)
    return std::nullopt;
  if (after_seq < last_seq && (frames_.empty() || frames_.front().first > after_seq + 1))
    return std::nullopt; // some of them are gone
  std::vector<std::string> out;
  for (auto& [seq, frame] : frames_)
    if (seq > after_seq)
      out.push_back(frame);
  return out;
}

namespace {

struct pending_subscribe {
  ws_client_actor client;
  int64_t after_seq = -1;
  int64_t epoch = 0;
};

struct session_state {
  frame_sequencer frames;
  frame_log log;
  chat::live_view view;
  std::set<ws_client_actor> subscribers;
  std::shared_ptr<shared_repository> repo;
  storage::fence fence;
  bool loaded = false;
  std::vector<pending_subscribe> early_subscribers; // before the load finished
  std::vector<chat::inbox_entry> early_deliveries;
  bool early_cancel = false;
  std::shared_ptr<cancel_token> ended = std::make_shared<cancel_token>(); // raised when it stops
  std::shared_ptr<cancel_token> running; // set while a turn worker runs
  bool turn_over = false;                // its turn_end went out: the turn is stored
  bool pending = false;                  // input arrived during the turn
  // Set while it stops for a migration: answered at the turn boundary.
  std::optional<caf::typed_response_promise<bool>> migrating;
  static inline const char* name = "session";

  // The session stops (node shutdown, a crash): stop its turn too, so no turn
  // outlives it (the turn resumes from its journal in the next session).
  ~session_state() {
    ended->cancel(cancel_reason::shutdown);
    if (running)
      running->cancel(cancel_reason::shutdown);
  }
};

/// Takes the chat's lease and reads what the session needs, off the
/// session's thread; answers with `loaded`, or stops the session: normally
/// for an unknown chat, with errc::not_owner when another live node owns it,
/// errc::refused (giving the lease up) when its workspace is not reachable
/// here, with an error when the database refuses (its supervisor restarts it). While the database
/// cannot be reached it waits and tries again (an outage is not the session's crash) until it is
/// back or `stop` is raised (the session ended).
void spawn_loader(caf::actor_system& sys, const std::shared_ptr<const session_deps>& deps,
                  std::shared_ptr<shared_repository> repo, const std::string& chat_id,
                  const session_actor& session, std::shared_ptr<cancel_token> stop) {
  sys.spawn<caf::detached>([deps, repo, chat_id, session, stop](caf::event_based_actor* self) {
    try {
      auto read = [&] {
        return repo->with([&](storage::session_repository& r) {
          // The lease first: once it is ours no older owner's write can
          // land, so what we read next stays true.
          auto f = r.acquire_lease(chat_id, deps->node_id);
          return std::make_pair(f, r.load(chat_id));
        });
      };
      std::optional<decltype(read())> got;
      for (auto wait = std::chrono::milliseconds(250); !got;
           wait = std::min(wait * 2, std::chrono::milliseconds(5000))) {
        try {
          got = read();
        } catch (const storage::storage_unavailable& e) {
          if (deps->log)
            deps->log->warn("chat {}: database unreachable, retrying in {} ms: {}", chat_id,
                            wait.count(), e.what());
          if (poll_until(wait, [&] { return stop->cancelled(); })) {
            self->quit();
            return;
          }
        }
      }
      auto& [fence, img] = *got;
      std::string refusal;
      if (img && !img->chat.archived)
        refusal = workspace_refusal(deps->node_id, img->chat.workspace);
      if (!img) {
        self->send_exit(session, caf::exit_reason::normal);
      } else if (!refusal.empty()) {
        if (deps->log)
          deps->log->error("chat {}: not serving it: {}", chat_id, refusal);
        const auto& lease = got->first; // (a structured binding cannot be captured)
        repo->with([&](storage::session_repository& r) { r.release_lease(lease); });
        self->send_exit(session,
                        caf::make_error(errc::refused, "chat " + chat_id + ": " + refusal));
      } else {
        loaded_session l;
        l.epoch = fence.epoch;
        l.last_seq = img->chat.last_seq;
        l.messages = img->conversation();
        if (img->in_progress)
          l.turn = img->in_progress->turn;
        l.usage = img->usage();
        l.has_work = img->has_work() && !img->chat.archived;
        self->send(session, loaded_atom::value, std::move(l));
      }
    } catch (const storage::not_owner& e) {
      self->send_exit(session, caf::make_error(errc::not_owner, e.what()));
    } catch (const std::exception& e) {
      if (deps->log)
        deps->log->warn("chat {}: cannot load its session: {}", chat_id, e.what());
      self->send_exit(session, caf::make_error(errc::storage_failure, e.what()));
    }
    self->quit();
  });
}

session_actor::behavior_type session_behavior(session_actor::stateful_pointer<session_state> self,
                                              std::shared_ptr<const session_deps> deps,
                                              std::string chat_id) {
  self->state.frames = {chat_id, 0};
  self->state.repo = std::make_shared<shared_repository>(deps->conninfo);
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& subs = self->state.subscribers;
    for (auto i = subs.begin(); i != subs.end(); ++i)
      if (i->address() == dm.source) {
        subs.erase(i);
        break;
      }
  });
  spawn_loader(self->system(), deps, self->state.repo, chat_id,
               caf::actor_cast<session_actor>(self), self->state.ended);
  auto status = [self] {
    return self->state.running && !self->state.turn_over ? protocol::session_status::running
                                                         : protocol::session_status::idle;
  };
  auto broadcast = [self](const chat::agent_event& e) {
    auto& st = self->state;
    auto frame = st.frames.next(e);
    st.view.apply(e);
    if (std::holds_alternative<chat::turn_ended>(e))
      st.turn_over = true;
    for (auto& s : st.subscribers)
      self->send(s, frame_atom::value, frame);
    st.log.add(st.frames.seq, std::move(frame));
  };
  auto start_turn = [self, deps] {
    auto& st = self->state;
    st.pending = false;
    st.turn_over = false;
    st.running = std::make_shared<cancel_token>();
    spawn_turn_worker(self->system(), deps, st.repo, st.fence, st.running,
                      caf::actor_cast<session_actor>(self));
  };
  auto deliver = [self, broadcast, start_turn](chat::inbox_entry entry) {
    // The message may already be shown (the load read it) or already be
    // taken by the running turn (its turn_start came first).
    // Either way a turn already has it: no other turn is needed for it.
    bool known = self->state.view.has_message(entry.id);
    auto taken = self->state.view.taken_by(entry.id);
    entry.taken_turn = taken;
    if (taken || !known)
      broadcast(chat::message_stored{entry.as_message(self->state.frames.chat_id)});
    broadcast(chat::message_acked{entry.client_id, entry.id});
    if (known || taken)
      return;
    if (self->state.migrating) // the inbox keeps it for the next owner
      return;
    if (self->state.running)
      self->state.pending = true;
    else
      start_turn();
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
    if (p.epoch == st.fence.epoch)
      missed = st.log.after(p.after_seq, st.frames.seq);
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
  return {
    [=](loaded_atom, loaded_session& l) {
      auto& st = self->state;
      st.fence = storage::fence{st.frames.chat_id, l.epoch, deps->node_id};
      st.frames.seq = l.last_seq;
      st.view.reset(std::move(l.messages), l.turn, l.usage);
      st.loaded = true;
      if (l.has_work && !st.migrating)
        start_turn();
      if (st.early_cancel && st.running)
        st.running->cancel();
      for (auto& p : std::exchange(st.early_subscribers, {}))
        subscribe(p);
      for (auto& entry : std::exchange(st.early_deliveries, {}))
        deliver(std::move(entry));
    },
    [=](deliver_atom, chat::inbox_entry& entry) {
      if (!self->state.loaded)
        self->state.early_deliveries.push_back(std::move(entry));
      else
        deliver(std::move(entry));
    },
    [=](subscribe_atom, ws_client_actor client, int64_t after_seq, int64_t epoch) {
      pending_subscribe p{std::move(client), after_seq, epoch};
      if (!self->state.loaded)
        self->state.early_subscribers.push_back(std::move(p));
      else
        subscribe(p);
    },
    [=](unsubscribe_atom, ws_client_actor client) {
      self->state.subscribers.erase(client);
      self->demonitor(client.address());
    },
    [=](cancel_atom) { // the turn stops; messages still waiting get their turns
      if (!self->state.loaded)
        self->state.early_cancel = true;
      else if (self->state.running)
        self->state.running->cancel();
    },
    [=](events_atom, const chat::event_batch& batch) {
      for (auto& e : batch)
        broadcast(e);
    },
    [=](seq_atom) -> int64_t { return self->state.frames.seq; },
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
      if ((st.pending || how == turn_done::more) && how != turn_done::interrupted)
        start_turn();
    },
    [=](status_atom) { return status(); },
    [=](migrate_atom) { return stop_at_boundary(false); },
    [=](stop_atom) { return stop_at_boundary(true); },
    [=](inspect_atom) {
      std::vector<std::string> subs;
      for (auto& s : self->state.subscribers)
        subs.push_back(caf::to_string(s.address()));
      auto state = status() == protocol::session_status::running ? protocol::actor_state::running
                                                                 : protocol::actor_state::idle;
      return caf::make_result(state, std::move(subs));
    },
  };
}

} // namespace

session_actor spawn_session(caf::actor_system& sys, std::shared_ptr<const session_deps> deps,
                            std::string chat_id) {
  return sys.spawn(session_behavior, std::move(deps), std::move(chat_id));
}

} // namespace boocode
