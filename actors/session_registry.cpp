#include "actors/session_registry.hpp"

#include <map>

#include <caf/all.hpp>

#include "actors/session.hpp"

namespace boocode {

namespace {

struct registry_state {
  std::map<std::string, session_actor> sessions;
  static inline const char* name = "session-registry";

  // The registry stops with the node: its sessions stop with it (and they
  // stop their turns).
  ~registry_state() {
    for (auto& [id, session] : sessions)
      caf::anon_send_exit(session, caf::exit_reason::user_shutdown);
  }
};

session_registry_actor::behavior_type
registry_behavior(session_registry_actor::stateful_pointer<registry_state> self,
                  std::shared_ptr<const session_deps> deps) {
  self->set_down_handler([self, deps](const caf::down_msg& dm) {
    auto& s = self->state.sessions;
    for (auto i = s.begin(); i != s.end(); ++i)
      if (i->second.address() == dm.source) {
        if (deps->log)
          deps->log->warn("session of chat {} ended: {}", i->first,
                          self->system().render(dm.reason));
        s.erase(i);
        break;
      }
  });
  auto session_of = [self, deps](const std::string& chat_id, int64_t last_seq) {
    auto& slot = self->state.sessions[chat_id];
    if (!slot) {
      slot = spawn_session(self->system(), deps, chat_id, last_seq);
      self->monitor(slot);
    }
    return slot;
  };
  auto existing = [self](const std::string& chat_id) -> session_actor {
    auto i = self->state.sessions.find(chat_id);
    return i == self->state.sessions.end() ? session_actor{} : i->second;
  };
  return {
    [=](deliver_atom, const std::string& chat_id, int64_t last_seq, const std::string& ack,
        const std::string& message) {
      self->send(session_of(chat_id, last_seq), deliver_atom::value, ack, message);
    },
    [=](subscribe_atom, const std::string& chat_id, int64_t last_seq, ws_client_actor client) {
      self->send(session_of(chat_id, last_seq), subscribe_atom::value, client);
    },
    [=](unsubscribe_atom, const std::string& chat_id, ws_client_actor client) {
      if (auto s = existing(chat_id))
        self->send(s, unsubscribe_atom::value, client);
    },
    [=](cancel_atom, const std::string& chat_id) {
      if (auto s = existing(chat_id))
        self->send(s, cancel_atom::value);
    },
    [=](status_atom, const std::string& chat_id) -> caf::result<std::string> {
      if (auto s = existing(chat_id))
        return self->delegate(s, status_atom::value);
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
