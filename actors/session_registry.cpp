#include "actors/session_registry.hpp"

#include <functional>
#include <map>
#include <set>

#include <caf/all.hpp>

#include "actors/peers.hpp"
#include "actors/session.hpp"
#include "runtime/protocol/frames.hpp"

namespace boocode {

std::chrono::milliseconds restart_policy::record_crash(std::chrono::steady_clock::time_point now) {
  crashes.push_back(now);
  std::erase_if(crashes, [&](auto at) { return now - at > window; });
  if (static_cast<int>(crashes.size()) >= max_crashes) {
    failed = true;
    return {};
  }
  auto doublings = std::min<size_t>(crashes.size() - 1, 16); // past the cap anyway
  auto delay = first_delay * (int64_t{1} << doublings);
  return std::min(delay, max_delay);
}

void restart_policy::reset() {
  crashes.clear();
  failed = false;
}

namespace {

using retry_atom = caf::atom_constant<caf::atom("sr_retry")>;

/// The registry plus its private message: try routing a chat again.
using registry_impl = session_registry_actor::extend<caf::reacts_to<retry_atom, std::string>>;

/// Where a subscriber continues from, until its first snapshot.
struct resume_from {
  int64_t after_seq = -1;
  int64_t epoch = 0;
};

/// One chat as this node sees it: served here (local), by another node's
/// session (remote), or not routed yet.
struct chat_slot {
  bool local = false; // this node owns the chat
  session_actor session;
  restart_policy policy;
  bool restarting = false;
  std::string last_error;
  bool migrating = false;
  bool held = false; // stopped by an operator: not started until a restart

  session_actor remote; // the owner's session, on another node
  std::string owner;

  bool resolving = false;
  std::string asking;  // the node whose directory this node asks about the chat now
  int stale = 0;       // owners named by the store that said they were not, in a row
  int failures = 0;    // routing attempts failed in a row
  std::string refused; // why no node serves it (told to subscribers)
  protocol::session_failure refusal = protocol::session_failure::unavailable;
  std::vector<std::function<void(const session_actor&)>> queued;   // waiting for a route
  std::vector<caf::typed_response_promise<session_actor>> waiting; // directory requests
  std::vector<std::function<void(const caf::error&)>> after_route; // a migration's restore
  bool force_route = false;
  std::map<ws_client_actor, resume_from> subscribers; // re-subscribed wherever it moves

  bool needs_route() const {
    return force_route || !subscribers.empty() || !queued.empty() || !waiting.empty();
  }
};

struct registry_state {
  std::map<std::string, chat_slot> chats;
  static inline const char* name = "session-registry";

  // The registry stops with the node: its sessions stop with it (and they
  // stop their turns, which resume on the next start).
  ~registry_state() {
    for (auto& [id, slot] : chats)
      if (slot.session)
        caf::anon_send_exit(slot.session, caf::exit_reason::user_shutdown);
  }
};

/// Exits that are no crash: a stop, or the chat belongs elsewhere.
bool is_crash(const caf::error& reason) {
  return reason && reason != caf::exit_reason::normal &&
         reason != caf::exit_reason::user_shutdown && reason != caf::exit_reason::kill &&
         !is_error(reason, errc::not_owner) && !is_error(reason, errc::fenced) &&
         !is_error(reason, errc::refused);
}

/// Why a chat an operator stopped does not run.
std::string stopped_text(const std::string& chat_id) {
  return "chat " + chat_id + " was stopped by an operator; it runs again after a restart";
}

/// Why the chat's session does not run, for its subscribers: it failed
/// (crashed too often), an operator stopped it, or no node can serve it.
std::string failed_frame(const std::string& chat_id, const chat_slot& slot) {
  using protocol::session_failure;
  if (slot.policy.failed)
    return protocol::session_failed_frame(chat_id, session_failure::failed,
                                          slot.policy.crashes.size(), slot.last_error);
  if (slot.held)
    return protocol::session_failed_frame(chat_id, session_failure::stopped, 0,
                                          stopped_text(chat_id));
  return protocol::session_failed_frame(chat_id, slot.refusal, 0, slot.refused);
}

/// Why a routing error says no node serves the chat now, if it does.
std::optional<protocol::session_failure> refusal_of(const caf::error& err) {
  using protocol::session_failure;
  if (is_error(err, errc::stopped))
    return session_failure::stopped;
  if (is_error(err, errc::failed))
    return session_failure::failed;
  if (is_error(err, errc::refused) || is_error(err, errc::unavailable))
    return session_failure::unavailable;
  return std::nullopt;
}

/// The chat status a refusal stands for.
protocol::chat_status status_of(protocol::session_failure why) {
  switch (why) {
    case protocol::session_failure::stopped:
      return protocol::chat_status::stopped;
    case protocol::session_failure::failed:
      return protocol::chat_status::failed;
    case protocol::session_failure::unavailable:
      break;
  }
  return protocol::chat_status::unavailable;
}

/// errc::not_owner: another node serves the chat.
caf::error served_by(const std::string& chat_id, const std::string& node) {
  return caf::make_error(errc::not_owner, "chat " + chat_id + " is served by node " + node);
}

registry_impl::behavior_type registry_behavior(registry_impl::stateful_pointer<registry_state> self,
                                               std::shared_ptr<const session_deps> deps,
                                               cluster_store_actor store) {
  const std::string me = deps->node_id;
  auto log = deps->log;
  auto slot_of = [self](const std::string& chat_id) -> chat_slot& {
    return self->state.chats[chat_id];
  };
  // Hands every subscriber and queued operation to the chat's session.
  auto attach = [self](chat_slot& slot, const session_actor& s) {
    for (auto& [client, from] : slot.subscribers) {
      self->send(s, subscribe_atom::value, client, from.after_seq, from.epoch);
      from = resume_from{}; // a later move starts from a fresh snapshot
    }
    for (auto& op : std::exchange(slot.queued, {}))
      op(s);
  };
  auto settle = [](chat_slot& slot, const caf::error& err) {
    for (auto& f : std::exchange(slot.after_route, {}))
      f(err);
    slot.force_route = false;
  };
  auto start = [self, deps, attach, settle](const std::string& chat_id, chat_slot& slot) {
    slot.session = spawn_session(self->system(), deps, chat_id);
    slot.restarting = false;
    self->monitor(slot.session);
    attach(slot, slot.session);
    for (auto& rp : std::exchange(slot.waiting, {}))
      rp.deliver(slot.session);
    settle(slot, {});
  };
  // The local session, started unless it waits for its restart or failed.
  auto local_session = [start](const std::string& chat_id, chat_slot& slot) -> session_actor {
    if (!slot.session && !slot.restarting && !slot.policy.failed && !slot.migrating && !slot.held)
      start(chat_id, slot);
    return slot.session;
  };
  // Stops the chat's local session at its turn boundary (cancelling the
  // running turn first when `cancel`), forgets it, then runs `then`; also
  // when it ended otherwise (a crash: its journal stays for the next owner).
  auto stop_session = [self](const std::string& chat_id, bool cancel, std::function<void()> then) {
    auto s = self->state.chats[chat_id].session;
    if (!s) {
      then();
      return;
    }
    auto forget = [self, chat_id, s, then] {
      auto& slot = self->state.chats[chat_id];
      if (slot.session == s) {
        self->demonitor(s.address());
        slot.session = nullptr;
      }
      then();
    };
    auto done = [forget](bool) { forget(); };
    auto ended = [forget](caf::error&) { forget(); };
    if (cancel)
      self->request(s, caf::infinite, stop_atom::value).then(done, ended);
    else
      self->request(s, caf::infinite, migrate_atom::value).then(done, ended);
  };
  // Tells the chat's subscribers why its session does not run.
  auto tell = [self](const std::string& chat_id, chat_slot& slot) {
    auto frame = failed_frame(chat_id, slot);
    for (auto& [c, from] : slot.subscribers)
      self->send(c, frame_atom::value, frame);
  };
  // Routing failed: tell whoever waits, try again later.
  auto retry = [self, log, tell, settle](const std::string& chat_id, const caf::error& err) {
    auto& slot = self->state.chats[chat_id];
    slot.resolving = false;
    ++slot.failures;
    auto text = error_text(self->system(), err);
    for (auto& rp : std::exchange(slot.waiting, {}))
      rp.deliver(err);
    settle(slot, err);
    if (is_error(err, errc::not_found)) {
      slot.queued.clear();
      return;
    }
    auto delay = std::min(std::chrono::milliseconds(50) * (1 << std::min(slot.failures, 6)),
                          std::chrono::milliseconds(2000));
    if (auto why = refusal_of(err)) {
      if (slot.refused != text || slot.refusal != *why) {
        slot.refused = text;
        slot.refusal = *why;
        tell(chat_id, slot);
        if (log)
          log->warn("chat {} cannot be served: {}", chat_id, text);
      }
      delay = std::chrono::milliseconds(5000);
    } else if (slot.failures == 1 && log) {
      log->info("chat {}: routing failed ({}); retrying", chat_id, text);
    }
    if (slot.needs_route())
      self->delayed_send(self, delay, retry_atom::value, chat_id);
  };
  // Finds the chat's owner and attaches to its session: here, or on the
  // owner's node through its directory.
  auto resolve = [self, store, me, local_session, attach, retry,
                  settle](const std::string& chat_id) {
    auto& slot = self->state.chats[chat_id];
    if (slot.resolving || slot.local || slot.remote)
      return;
    slot.resolving = true;
    self->request(store, std::chrono::seconds(10), route_atom::value, chat_id)
      .then(
        [=](const std::string& owner, const std::string& address) {
          auto& slot = self->state.chats[chat_id];
          if (owner == me) {
            slot.resolving = false;
            slot.failures = 0;
            slot.refused.clear();
            slot.local = true;
            if (!local_session(chat_id, slot) && slot.policy.failed)
              for (auto& rp : std::exchange(slot.waiting, {}))
                rp.deliver(caf::make_error(errc::failed, "the session of chat " + chat_id +
                                                           " failed: " + slot.last_error));
            return;
          }
          // Other nodes asked this one for a chat it does not own: theirs to
          // ask the owner (holding them while this node asks could hold two
          // nodes that ask each other).
          for (auto& rp : std::exchange(slot.waiting, {}))
            rp.deliver(served_by(chat_id, owner));
          if (!slot.needs_route()) {
            slot.resolving = false;
            return;
          }
          slot.asking = owner;
          connect_directory(
            self, address,
            [=](const node_directory_actor& dir) {
              self->request(dir, std::chrono::seconds(10), resolve_atom::value, chat_id)
                .then(
                  [=](const session_actor& s) {
                    auto& slot = self->state.chats[chat_id];
                    slot.resolving = false;
                    slot.asking.clear();
                    slot.stale = 0;
                    slot.failures = 0;
                    slot.refused.clear();
                    if (slot.local || !s) { // became ours meanwhile
                      settle(slot, {});
                      return;
                    }
                    slot.remote = s;
                    slot.owner = owner;
                    for (auto& rp : std::exchange(slot.waiting, {})) // not ours to give
                      rp.deliver(served_by(chat_id, owner));
                    self->monitor(s);
                    attach(slot, s);
                    settle(slot, {});
                  },
                  [=](caf::error& e) {
                    auto& slot = self->state.chats[chat_id];
                    slot.asking.clear();
                    if (is_error(e, errc::not_owner) && ++slot.stale <= 5) {
                      // The node the store named is not the owner (the chat moved
                      // meanwhile, or both nodes asked each other): ask the store
                      // again, at once, keeping whoever waits for the route.
                      slot.resolving = false;
                      self->send(self, retry_atom::value, chat_id);
                      return;
                    }
                    slot.stale = 0;
                    retry(chat_id, e);
                  });
            },
            [=](const caf::error& e) {
              self->state.chats[chat_id].asking.clear();
              retry(chat_id, e);
            });
        },
        [=](caf::error& e) { retry(chat_id, e); });
  };
  // Runs `op` on the chat's session, wherever it is (queued until routed).
  auto with_session = [self, local_session, resolve](const std::string& chat_id,
                                                     std::function<void(const session_actor&)> op) {
    auto& slot = self->state.chats[chat_id];
    if (slot.local) {
      // A session being restarted (or failed) has none: a message waits in
      // the inbox for the next session.
      if (auto s = local_session(chat_id, slot))
        op(s);
      return;
    }
    if (slot.remote) {
      op(slot.remote);
      return;
    }
    slot.queued.push_back(std::move(op));
    resolve(chat_id);
  };
  // Moves a chat this node owns to `target` at its next turn boundary:
  // checkpointed and stopped here, lease moved (epoch + 1), restored there
  // (when it ran here or has subscribers), subscribers re-pointed.
  auto migrate_local = [self, store, me, log, local_session, attach, stop_session,
                        resolve](const std::string& chat_id, const std::string& target,
                                 bool restore, std::function<void(caf::expected<bool>)> done) {
    auto& slot = self->state.chats[chat_id];
    if (target == me) {
      done(false); // already here
      return;
    }
    if (slot.migrating) {
      done(caf::make_error(errc::unavailable, "chat " + chat_id + " is already moving"));
      return;
    }
    slot.migrating = true;
    restore = restore || slot.session || !slot.subscribers.empty();
    auto move = [=] {
      self->request(store, std::chrono::seconds(10), move_atom::value, chat_id, me, target)
        .then(
          [=](int64_t epoch) {
            auto& slot = self->state.chats[chat_id];
            slot.migrating = false;
            slot.local = false;
            slot.policy.reset();
            // Other nodes asked for its session while it stopped: it is the
            // target's now (holding them while this node asks the target
            // could deadlock two nodes routing the same chat).
            for (auto& rp : std::exchange(slot.waiting, {}))
              rp.deliver(served_by(chat_id, target));
            if (log)
              log->info("moved chat {} to node {} (epoch {})", chat_id, target, epoch);
            if (!restore) {
              done(true);
              return;
            }
            slot.force_route = true;
            slot.after_route.emplace_back([done](const caf::error& e) {
              if (e)
                done(e);
              else
                done(true);
            });
            resolve(chat_id);
          },
          [=](caf::error& e) { // stays here
            auto& slot = self->state.chats[chat_id];
            slot.migrating = false;
            if (log)
              log->warn("cannot move chat {} to node {}: {}", chat_id, target,
                        self->system().render(e));
            if (slot.needs_route())
              if (auto s = local_session(chat_id, slot))
                attach(slot, s);
            done(e);
          });
    };
    stop_session(chat_id, false, move);
  };
  // Runs `here()` when this node owns the chat (claiming it when no live
  // node does), else `there(dir)` with its owner's directory; `fail` when
  // neither can be asked.
  auto at_owner = [self, store, me](const std::string& chat_id, std::function<void()> here,
                                    std::function<void(const node_directory_actor&)> there,
                                    std::function<void(const caf::error&)> fail) {
    self->request(store, std::chrono::seconds(10), route_atom::value, chat_id)
      .then(
        [=](const std::string& owner, const std::string& address) {
          if (owner == me) {
            self->state.chats[chat_id].local = true;
            here();
          } else {
            connect_directory(self, address, there, fail);
          }
        },
        [=](caf::error& e) { fail(e); });
  };
  self->set_down_handler([self, log, tell, resolve](const caf::down_msg& dm) {
    for (auto& [chat_id, slot] : self->state.chats) {
      if (slot.session && slot.session.address() == dm.source) {
        slot.session = nullptr;
        if (is_error(dm.reason, errc::not_owner) || is_error(dm.reason, errc::fenced) ||
            is_error(dm.reason, errc::refused)) {
          // The chat is (now) another node's, or not servable here.
          slot.local = false;
          if (slot.needs_route())
            resolve(chat_id);
          return;
        }
        if (!is_crash(dm.reason))
          return;
        slot.last_error = self->system().render(dm.reason);
        auto delay = slot.policy.record_crash(std::chrono::steady_clock::now());
        if (slot.policy.failed) {
          if (log)
            log->error("session of chat {} failed {} times in {} s; marked failed: {}", chat_id,
                       slot.policy.crashes.size(), slot.policy.window.count(), slot.last_error);
          tell(chat_id, slot);
          return;
        }
        if (log)
          log->warn("session of chat {} crashed ({}); restarting in {} ms", chat_id,
                    slot.last_error, delay.count());
        slot.restarting = true;
        caf::delayed_anon_send(caf::actor_cast<session_registry_actor>(self), delay,
                               restart_atom::value, chat_id);
        return;
      }
      if (slot.remote && slot.remote.address() == dm.source) {
        // The owner's session stopped (moved, node gone): find the new one.
        slot.remote = nullptr;
        slot.owner.clear();
        if (slot.needs_route())
          resolve(chat_id);
        return;
      }
      for (auto i = slot.subscribers.begin(); i != slot.subscribers.end(); ++i)
        if (i->first.address() == dm.source) {
          slot.subscribers.erase(i);
          break;
        }
    }
  });
  return {
    [=](deliver_atom, const std::string& chat_id, const chat::inbox_entry& entry) {
      with_session(chat_id, [self, entry](const session_actor& s) {
        self->send(s, deliver_atom::value, entry);
      });
    },
    [=](subscribe_atom, const std::string& chat_id, ws_client_actor client, int64_t after_seq,
        int64_t epoch) {
      auto& slot = slot_of(chat_id);
      auto [it, added] = slot.subscribers.insert_or_assign(client, resume_from{after_seq, epoch});
      if (added)
        self->monitor(client);
      session_actor s;
      if (slot.local)
        s = local_session(chat_id, slot);
      else if (slot.remote)
        s = slot.remote;
      if (s) {
        self->send(s, subscribe_atom::value, client, after_seq, epoch);
        it->second = resume_from{};
      } else if (slot.policy.failed || slot.held) {
        self->send(client, frame_atom::value, failed_frame(chat_id, slot));
      } else if (!slot.local) {
        if (!slot.refused.empty())
          self->send(client, frame_atom::value, failed_frame(chat_id, slot));
        resolve(chat_id);
      }
    },
    [=](unsubscribe_atom, const std::string& chat_id, ws_client_actor client) {
      auto i = self->state.chats.find(chat_id);
      if (i == self->state.chats.end())
        return;
      i->second.subscribers.erase(client);
      for (auto& s : {i->second.session, i->second.remote})
        if (s)
          self->send(s, unsubscribe_atom::value, client);
    },
    [=](cancel_atom, const std::string& chat_id) {
      with_session(chat_id, [self](const session_actor& s) { self->send(s, cancel_atom::value); });
    },
    [=](restart_atom, const std::string& chat_id) -> caf::result<bool> {
      auto& slot = slot_of(chat_id);
      auto restart_here = [self, log, start](const std::string& chat_id) -> bool {
        auto& slot = self->state.chats[chat_id];
        if (slot.session || slot.migrating)
          return false;                        // running: nothing to restart
        if (slot.policy.failed || slot.held) { // by hand: a fresh start
          slot.policy.reset();
          slot.held = false;
          if (log)
            log->info("session of chat {} restarted by hand", chat_id);
        }
        start(chat_id, slot);
        return true;
      };
      if (slot.local)
        return restart_here(chat_id);
      if (slot.remote)
        return false;
      auto rp =
        std::make_shared<caf::typed_response_promise<bool>>(self->make_response_promise<bool>());
      at_owner(
        chat_id, [=] { rp->deliver(restart_here(chat_id)); },
        [=](const node_directory_actor& dir) {
          self->request(dir, std::chrono::seconds(10), restart_atom::value, chat_id)
            .then(
              [=](bool restarted) {
                rp->deliver(restarted);
                auto& slot = self->state.chats[chat_id];
                slot.refused.clear();
                if (slot.needs_route())
                  resolve(chat_id);
              },
              [=](caf::error& e) { rp->deliver(e); });
        },
        [=](const caf::error& e) { rp->deliver(e); });
      return *rp;
    },
    [=](resume_atom, const std::vector<std::string>& chat_ids) {
      for (auto& id : chat_ids) { // taken over by this node
        auto& slot = slot_of(id);
        slot.local = true;
        if (slot.remote) {
          self->demonitor(slot.remote.address());
          slot.remote = nullptr;
        }
        local_session(id, slot);
      }
    },
    [=](retry_atom, const std::string& chat_id) {
      auto& slot = slot_of(chat_id);
      if (slot.needs_route())
        resolve(chat_id);
    },
    [=](status_atom, const std::string& chat_id) -> caf::result<protocol::chat_status> {
      using protocol::chat_status;
      auto i = self->state.chats.find(chat_id);
      if (i == self->state.chats.end())
        return chat_status::idle;
      auto& slot = i->second;
      if (slot.policy.failed)
        return chat_status::failed;
      if (slot.restarting)
        return chat_status::restarting;
      if (slot.held)
        return chat_status::stopped;
      auto ask = [self](const session_actor& s) -> caf::result<chat_status> {
        auto rp = self->make_response_promise<chat_status>();
        self->request(s, std::chrono::seconds(2), status_atom::value)
          .then(
            [rp](protocol::session_status x) mutable {
              rp.deliver(x == protocol::session_status::running ? chat_status::running
                                                                : chat_status::idle);
            },
            [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
        return rp;
      };
      if (slot.session)
        return ask(slot.session);
      if (slot.remote)
        return ask(slot.remote);
      if (!slot.refused.empty())
        return status_of(slot.refusal);
      return chat_status::idle;
    },
    [=](resolve_atom, const std::string& chat_id) -> caf::result<session_actor> {
      auto& slot = slot_of(chat_id);
      if (slot.local) {
        if (slot.policy.failed)
          return caf::make_error(errc::failed,
                                 "the session of chat " + chat_id + " failed: " + slot.last_error);
        if (slot.held)
          return caf::make_error(errc::stopped, stopped_text(chat_id));
        if (auto s = local_session(chat_id, slot))
          return s;
      } else if (slot.remote) {
        return served_by(chat_id, slot.owner);
      } else if (!slot.asking.empty()) {
        // This node asks that one about the chat now; waiting here could hold
        // both nodes until their requests time out.
        return served_by(chat_id, slot.asking);
      }
      // Restarting, moving, or not routed yet: answered once it is.
      auto rp = self->make_response_promise<session_actor>();
      slot.waiting.push_back(rp);
      if (!slot.local)
        resolve(chat_id);
      return rp;
    },
    [=](migrate_atom, const std::string& chat_id, const std::string& target) -> caf::result<bool> {
      auto rp =
        std::make_shared<caf::typed_response_promise<bool>>(self->make_response_promise<bool>());
      auto done = [rp](caf::expected<bool> r) {
        if (r)
          rp->deliver(*r);
        else
          rp->deliver(r.error());
      };
      if (slot_of(chat_id).local) {
        migrate_local(chat_id, target, true, done);
        return *rp;
      }
      at_owner(
        chat_id, [=] { migrate_local(chat_id, target, true, done); },
        [=](const node_directory_actor& dir) {
          self->request(dir, caf::infinite, migrate_atom::value, chat_id, target)
            .then([=](bool moved) { rp->deliver(moved); }, [=](caf::error& e) { rp->deliver(e); });
        },
        [=](const caf::error& e) { rp->deliver(e); });
      return *rp;
    },
    [=](drain_atom) -> caf::result<int64_t> {
      auto rp = std::make_shared<caf::typed_response_promise<int64_t>>(
        self->make_response_promise<int64_t>());
      auto fail = [rp](const caf::error& e) { rp->deliver(e); };
      self->request(store, std::chrono::seconds(10), state_atom::value, std::string("draining"))
        .then(
          [=](bool) {
            self->request(store, std::chrono::seconds(10), nodes_atom::value)
              .then(
                [=](const std::vector<peer_info>& nodes) {
                  std::map<std::string, int64_t> load; // the targets: the other up nodes
                  for (auto& n : nodes)
                    if (n.node_id != me && n.state == "up")
                      load[n.node_id] = n.actors;
                  if (load.empty()) { // back up: it keeps serving
                    auto err = caf::make_error(errc::unavailable,
                                               "no other node is up to take this node's chats");
                    self
                      ->request(store, std::chrono::seconds(10), state_atom::value,
                                std::string("up"))
                      .then([=](bool) { fail(err); }, [=](const caf::error&) { fail(err); });
                    return;
                  }
                  self->request(store, std::chrono::seconds(10), leases_atom::value, me)
                    .then(
                      [=](const std::vector<std::string>& chats) {
                        if (log)
                          log->info("draining: moving {} chat(s) to {} node(s)", chats.size(),
                                    load.size());
                        if (chats.empty()) {
                          rp->deliver(int64_t{0});
                          return;
                        }
                        struct progress {
                          size_t left;
                          int64_t moved = 0;
                        };
                        auto p = std::make_shared<progress>(progress{chats.size()});
                        auto spread = load;
                        for (auto& chat : chats) {
                          auto target =
                            std::min_element(spread.begin(), spread.end(),
                                             [](auto& a, auto& b) { return a.second < b.second; });
                          ++target->second;
                          self->state.chats[chat].local = true; // its lease is ours
                          migrate_local(chat, target->first, false, [=](caf::expected<bool> r) {
                            if (r && *r)
                              ++p->moved;
                            if (--p->left == 0)
                              rp->deliver(p->moved);
                          });
                        }
                      },
                      fail);
                },
                fail);
          },
          fail);
      return *rp;
    },
    [=](stop_atom, const std::string& chat_id) -> caf::result<bool> {
      auto rp =
        std::make_shared<caf::typed_response_promise<bool>>(self->make_response_promise<bool>());
      auto here = [=] {
        auto& slot = self->state.chats[chat_id];
        if (slot.held) {
          rp->deliver(false);
          return;
        }
        slot.held = true;
        auto stopped = [=] {
          tell(chat_id, self->state.chats[chat_id]);
          if (log)
            log->info("chat {} stopped by an operator", chat_id);
          rp->deliver(true);
        };
        stop_session(chat_id, true, stopped);
      };
      if (slot_of(chat_id).local) {
        here();
        return *rp;
      }
      at_owner(
        chat_id, here,
        [=](const node_directory_actor& dir) {
          self->request(dir, caf::infinite, stop_atom::value, chat_id)
            .then([=](bool stopped) { rp->deliver(stopped); },
                  [=](caf::error& e) { rp->deliver(e); });
        },
        [=](const caf::error& e) { rp->deliver(e); });
      return *rp;
    },
    [=](stats_atom) {
      std::vector<actor_live> out;
      for (auto& [id, slot] : self->state.chats) {
        if (!slot.local)
          continue;
        auto restarts = static_cast<uint32_t>(slot.policy.crashes.size());
        using protocol::actor_state;
        if (slot.held)
          out.push_back({id, actor_state::stopped, restarts});
        else if (slot.policy.failed)
          out.push_back({id, actor_state::failed, restarts});
        else if (slot.restarting)
          out.push_back({id, actor_state::restarting, restarts});
        else if (slot.session)
          out.push_back({id, actor_state::idle, restarts}); // loaded
      }
      return out;
    },
    [=](inspect_atom a, const std::string& chat_id)
      -> caf::result<protocol::actor_state, std::vector<std::string>> {
      auto i = self->state.chats.find(chat_id);
      if (i == self->state.chats.end() || !i->second.local)
        return caf::make_error(errc::not_owner, "chat " + chat_id + " does not run here");
      if (i->second.session)
        return self->delegate(i->second.session, a);
      return {i->second.held ? protocol::actor_state::stopped : protocol::actor_state::unloaded,
              std::vector<std::string>{}};
    },
    [=](reset_atom) {
      // The cluster declared this node dead: its chats are others' now.
      for (auto& [chat_id, slot] : self->state.chats) {
        if (slot.session) {
          self->demonitor(slot.session.address());
          caf::anon_send_exit(slot.session, caf::exit_reason::kill);
        }
        slot.session = nullptr;
        slot.local = false;
        slot.restarting = false;
        slot.policy.reset();
        if (slot.needs_route()) // once the node rejoined
          self->delayed_send(self, std::chrono::milliseconds(500), retry_atom::value, chat_id);
      }
      return true;
    },
  };
}

} // namespace

session_registry_actor spawn_session_registry(caf::actor_system& sys,
                                              std::shared_ptr<const session_deps> deps,
                                              cluster_store_actor store) {
  registry_impl full = sys.spawn(registry_behavior, std::move(deps), std::move(store));
  return caf::actor_cast<session_registry_actor>(full);
}

} // namespace boocode
