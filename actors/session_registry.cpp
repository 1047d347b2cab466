#include "actors/session_registry.hpp"

#include <map>
#include <set>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/session.hpp"

namespace boocode {

std::chrono::milliseconds restart_policy::record_crash(std::chrono::steady_clock::time_point now) {
  crashes.push_back(now);
  while (!crashes.empty() && now - crashes.front() > window)
    crashes.pop_front();
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

struct chat_slot {
  session_actor session;
  std::set<ws_client_actor> subscribers; // re-subscribed to a restarted session
  restart_policy policy;
  bool restarting = false;
  std::string last_error;
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

bool is_crash(const caf::error& reason) {
  return reason && reason != caf::exit_reason::normal &&
         reason != caf::exit_reason::user_shutdown && reason != caf::exit_reason::kill;
}

session_registry_actor::behavior_type
registry_behavior(session_registry_actor::stateful_pointer<registry_state> self,
                  std::shared_ptr<const session_deps> deps) {
  auto start = [self, deps](const std::string& chat_id, chat_slot& slot) {
    slot.session = spawn_session(self->system(), deps, chat_id);
    slot.restarting = false;
    self->monitor(slot.session);
    for (auto& c : slot.subscribers) // they get a fresh snapshot
      self->send(slot.session, subscribe_atom::value, c, int64_t{-1}, int64_t{0});
  };
  auto tell = [self](const std::string& chat_id, chat_slot& slot) {
    auto frame = nlohmann::json{{"type", "session_failed"},
                                {"chat_id", chat_id},
                                {"crashes", slot.policy.crashes.size()},
                                {"error", slot.last_error}}
                   .dump();
    for (auto& c : slot.subscribers)
      self->send(c, frame_atom::value, frame);
  };
  self->set_down_handler([self, deps, tell](const caf::down_msg& dm) {
    for (auto& [chat_id, slot] : self->state.chats) {
      if (slot.session && slot.session.address() == dm.source) {
        slot.session = nullptr;
        if (!is_crash(dm.reason))
          return;
        slot.last_error = self->system().render(dm.reason);
        auto delay = slot.policy.record_crash(std::chrono::steady_clock::now());
        if (slot.policy.failed) {
          if (deps->log)
            deps->log->error("session of chat {} failed {} times in {} s; marked failed: {}",
                             chat_id, slot.policy.crashes.size(), slot.policy.window.count(),
                             slot.last_error);
          tell(chat_id, slot);
          return;
        }
        if (deps->log)
          deps->log->warn("session of chat {} crashed ({}); restarting in {} ms", chat_id,
                          slot.last_error, delay.count());
        slot.restarting = true;
        caf::delayed_anon_send(caf::actor_cast<session_registry_actor>(self), delay,
                               restart_atom::value, chat_id);
        return;
      }
      auto& subs = slot.subscribers;
      for (auto i = subs.begin(); i != subs.end(); ++i)
        if (i->address() == dm.source) {
          subs.erase(i);
          break;
        }
    }
  });
  // The chat's session, started if it is not running (and not failed or
  // waiting for its restart).
  auto session_of = [self, start](const std::string& chat_id) -> session_actor {
    auto& slot = self->state.chats[chat_id];
    if (!slot.session && !slot.restarting && !slot.policy.failed)
      start(chat_id, slot);
    return slot.session;
  };
  auto existing = [self](const std::string& chat_id) -> session_actor {
    auto i = self->state.chats.find(chat_id);
    return i == self->state.chats.end() ? session_actor{} : i->second.session;
  };
  return {
    [=](deliver_atom, const std::string& chat_id, const std::string& ack,
        const std::string& message) {
      // A message for a session being restarted (or failed) waits in the
      // inbox: the next session takes it.
      if (auto s = session_of(chat_id))
        self->send(s, deliver_atom::value, ack, message);
    },
    [=](subscribe_atom, const std::string& chat_id, ws_client_actor client, int64_t after_seq,
        int64_t epoch) {
      auto s = session_of(chat_id); // before the client joins: it is told below
      auto& slot = self->state.chats[chat_id];
      if (slot.subscribers.insert(client).second)
        self->monitor(client);
      if (s)
        self->send(s, subscribe_atom::value, client, after_seq, epoch);
      else if (slot.policy.failed)
        self->send(client, frame_atom::value,
                   nlohmann::json{{"type", "session_failed"},
                                  {"chat_id", chat_id},
                                  {"crashes", slot.policy.crashes.size()},
                                  {"error", slot.last_error}}
                     .dump());
    },
    [=](unsubscribe_atom, const std::string& chat_id, ws_client_actor client) {
      auto i = self->state.chats.find(chat_id);
      if (i == self->state.chats.end())
        return;
      i->second.subscribers.erase(client);
      if (i->second.session)
        self->send(i->second.session, unsubscribe_atom::value, client);
    },
    [=](cancel_atom, const std::string& chat_id) {
      if (auto s = existing(chat_id))
        self->send(s, cancel_atom::value);
    },
    [=](restart_atom, const std::string& chat_id) -> bool {
      auto& slot = self->state.chats[chat_id];
      if (slot.session)
        return false;           // running: nothing to restart
      if (slot.policy.failed) { // by hand: a fresh start
        slot.policy.reset();
        if (deps->log)
          deps->log->info("session of chat {} restarted by hand", chat_id);
      }
      start(chat_id, slot);
      return true;
    },
    [=](resume_atom, const std::vector<std::string>& chat_ids) {
      for (auto& id : chat_ids)
        session_of(id);
    },
    [=](status_atom, const std::string& chat_id) -> caf::result<std::string> {
      auto i = self->state.chats.find(chat_id);
      if (i == self->state.chats.end())
        return std::string("idle");
      if (i->second.policy.failed)
        return std::string("failed");
      if (i->second.restarting)
        return std::string("restarting");
      if (i->second.session)
        return self->delegate(i->second.session, status_atom::value);
      return std::string("idle");
    },
  };
}

} // namespace

session_registry_actor spawn_session_registry(caf::actor_system& sys,
                                              std::shared_ptr<const session_deps> deps) {
  return sys.spawn(registry_behavior, std::move(deps));
}

} // namespace boocode
