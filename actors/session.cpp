#include "actors/session.hpp"

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/turn_worker.hpp"

namespace boocode {

std::string frame_sequencer::next(std::string_view type, std::string_view payload) {
  ++seq;
  std::string out = R"({"type":)" + nlohmann::json(std::string(type)).dump() + R"(,"chat_id":)" +
                    nlohmann::json(chat_id).dump() + ",\"seq\":" + std::to_string(seq);
  // payload is "{...}": splice its members in after ours.
  auto body = payload.size() >= 2 ? payload.substr(1) : std::string_view{"}"};
  if (body != "}")
    out += ',';
  out += body;
  return out;
}

namespace {

struct session_state {
  frame_sequencer frames;
  std::set<ws_client_actor> subscribers;
  std::shared_ptr<shared_repository> repo;
  std::shared_ptr<cancel_token> running; // set while a turn runs
  bool pending = false;                  // input arrived during the turn
  static inline const char* name = "session";

  // The session stops (node shutdown): stop its turn too, so no turn outlives
  // the node's actor system.
  ~session_state() {
    if (running)
      running->cancel(cancel_reason::shutdown);
  }
};

/// Records the last seq so frames continue after it when the node restarts.
void save_seq(caf::actor_system& sys, const std::shared_ptr<const session_deps>& deps,
              std::shared_ptr<shared_repository> repo, const std::string& chat_id, int64_t seq) {
  sys.spawn<caf::detached>([deps, repo, chat_id, seq](caf::event_based_actor* self) {
    try {
      repo->with([&](storage::chat_repository& r) { r.save_seq(chat_id, seq); });
    } catch (const std::exception& e) {
      if (deps->log)
        deps->log->warn("chat {}: cannot save frame seq {}: {}", chat_id, seq, e.what());
    }
    self->quit();
  });
}

session_actor::behavior_type session_behavior(session_actor::stateful_pointer<session_state> self,
                                              std::shared_ptr<const session_deps> deps,
                                              std::string chat_id, int64_t last_seq) {
  self->state.frames = {chat_id, last_seq};
  self->state.repo = std::make_shared<shared_repository>(deps->conninfo);
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& subs = self->state.subscribers;
    for (auto i = subs.begin(); i != subs.end(); ++i)
      if (i->address() == dm.source) {
        subs.erase(i);
        break;
      }
  });
  auto broadcast = [self](std::string_view type, std::string_view payload) {
    auto frame = self->state.frames.next(type, payload);
    for (auto& s : self->state.subscribers)
      self->send(s, frame_atom::value, frame);
  };
  auto start_turn = [self, deps, chat_id] {
    self->state.pending = false;
    self->state.running = std::make_shared<cancel_token>();
    spawn_turn_worker(self->system(), deps, self->state.repo, chat_id, self->state.running,
                      caf::actor_cast<session_actor>(self));
  };
  return {
    [=](deliver_atom, const std::string& ack, const std::string& message) {
      broadcast("message", message);
      broadcast("ack", ack);
      if (self->state.running)
        self->state.pending = true;
      else
        start_turn();
    },
    [=](subscribe_atom, ws_client_actor client) {
      if (self->state.subscribers.insert(client).second)
        self->monitor(client);
      nlohmann::json hello{{"type", "subscribed"},
                           {"chat_id", self->state.frames.chat_id},
                           {"seq", self->state.frames.seq},
                           {"status", self->state.running ? "running" : "idle"}};
      self->send(client, frame_atom::value, hello.dump());
    },
    [=](unsubscribe_atom, ws_client_actor client) {
      self->state.subscribers.erase(client);
      self->demonitor(client.address());
    },
    [=](cancel_atom) {
      if (self->state.running)
        self->state.running->cancel();
      self->state.pending = false;
    },
    [=](frame_atom, const std::string& type, const std::string& payload) {
      broadcast(type, payload);
    },
    [=](frame_atom, const std::vector<std::string>& flat) {
      for (size_t i = 0; i + 1 < flat.size(); i += 2)
        broadcast(flat[i], flat[i + 1]);
    },
    [=](turn_done_atom) {
      self->state.running.reset();
      save_seq(self->system(), deps, self->state.repo, chat_id, self->state.frames.seq);
      if (self->state.pending)
        start_turn();
    },
    [=](status_atom) -> std::string { return self->state.running ? "running" : "idle"; },
  };
}

} // namespace

session_actor spawn_session(caf::actor_system& sys, std::shared_ptr<const session_deps> deps,
                            std::string chat_id, int64_t last_seq) {
  return sys.spawn(session_behavior, std::move(deps), std::move(chat_id), last_seq);
}

} // namespace boocode
