// The registry's units on CAF's deterministic test coordinator, with a fake
// cluster store and fake sessions (its kind traits spawn them): routing,
// supervision, subscriber fan-out and operator actions. Routes to other
// nodes need the middleman and are tested with real nodes
// (cluster_routing_test, tests/process/cluster_process_test).
#include <gtest/gtest.h>

#include "actors/session_registry.hpp"
#include "runtime/errors.hpp"
#include "tests/support/actor_test.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

/// What the fake store answers, and what it was asked.
struct store_script {
  std::vector<caf::error> route_errors; // answered to the next routes, in order, before "n1"
  int routes = 0;
  std::vector<std::pair<std::string, std::string>> moves; // chat, to
  std::vector<std::string> states;                        // this node's states set
  std::vector<peer_info> nodes;
  std::vector<std::string> leases;
  std::optional<caf::error> move_error; // refuses every move with it
};

cluster_store_actor spawn_store(caf::actor_system& sys, std::shared_ptr<store_script> f) {
  return sys.spawn([f]() -> cluster_store_actor::behavior_type {
    return {
      [](heartbeat_atom) { return cluster_tick{}; },
      [](confirm_atom, const std::string&) { return false; },
      [f](route_atom, const std::string&) -> caf::result<std::string, std::string> {
        if (f->routes++ < static_cast<int>(f->route_errors.size()))
          return f->route_errors[static_cast<size_t>(f->routes - 1)];
        return {std::string("n1"), std::string("127.0.0.1:1")};
      },
      [f](move_atom, const std::string& chat, const std::string&,
          const std::string& to) -> caf::result<int64_t> {
        if (f->move_error)
          return *f->move_error;
        f->moves.emplace_back(chat, to);
        return int64_t{2};
      },
      [f](leases_atom, const std::string&) { return f->leases; },
      [f](nodes_atom) { return f->nodes; },
      [](join_atom, const std::string&, const std::string&, const std::string&) { return true; },
      [](join_atom) { return true; },
      [f](state_atom, const std::string& s) {
        f->states.push_back(s);
        return true;
      },
    };
  });
}

/// What the fake sessions were told, by chat.
struct sessions_seen {
  bool fenced_on_stop = false; // a stop finds the lease gone: it quits without answering
  std::map<std::string, int> started;
  std::map<std::string, std::vector<int64_t>> delivered;
  std::map<std::string, int> subscribes; // across its sessions
  std::map<std::string, int> stops;
  std::map<std::string, session_actor> current;
};

session_actor spawn_fake_session(caf::actor_system& sys, std::shared_ptr<sessions_seen> f,
                                 std::string id) {
  ++f->started[id];
  auto s = sys.spawn([f, id](session_actor::pointer self) -> session_actor::behavior_type {
    return {
      [f, id](deliver_atom, const chat::inbox_entry& e) { f->delivered[id].push_back(e.id); },
      [f, id](subscribe_atom, ws_client_actor, int64_t, int64_t) { ++f->subscribes[id]; },
      [](unsubscribe_atom, ws_client_actor) {},
      [](cancel_atom) {},
      [](events_atom, const chat::event_batch&) {},
      [](turn_done_atom, turn_done) {},
      [](status_atom) { return protocol::session_status::idle; },
      [self](migrate_atom) {
        self->quit();
        return true;
      },
      [self, f, id](stop_atom) -> caf::result<bool> {
        ++f->stops[id];
        if (f->fenced_on_stop) {
          auto never = self->make_response_promise<bool>();
          self->quit(caf::make_error(errc::fenced, "another node took " + id));
          return never;
        }
        self->quit();
        return true;
      },
      [](inspect_atom) {
        return caf::result<protocol::actor_state, std::vector<std::string>>(
          protocol::actor_state::idle, std::vector<std::string>{});
      },
    };
  });
  f->current[id] = s;
  return s;
}

/// A browser: the frames it was sent.
ws_client_actor spawn_browser(caf::actor_system& sys, std::shared_ptr<std::vector<json>> frames) {
  return sys.spawn([frames]() -> ws_client_actor::behavior_type {
    return {
      [frames](frame_atom, const std::string& f) { frames->push_back(json::parse(f)); },
      [frames](frame_atom, const std::vector<std::string>& batch) {
        for (auto& f : batch)
          frames->push_back(json::parse(f));
      },
    };
  });
}

chat::inbox_entry entry(int64_t id) {
  chat::inbox_entry e;
  e.id = id;
  e.content = "hi";
  return e;
}

} // namespace

class RegistryTest : public test::ActorTest {
protected:
  RegistryTest() {
    kind_table kinds;
    kinds[protocol::actor_kind::session] = {"chat",
                                            [this](caf::actor_system& s, const std::string& id) {
                                              return spawn_fake_session(s, seen_, id);
                                            }};
    registry_ = spawn_registry(sys(), "n1", nullptr, spawn_store(sys(), store_), {}, kinds);
  }
  ~RegistryTest() override { caf::anon_send_exit(registry_, caf::exit_reason::user_shutdown); }

  void send(auto... xs) {
    caf::anon_send(registry_, xs...);
    run();
  }
  std::optional<protocol::chat_status> status(const std::string& id) {
    return request<protocol::chat_status>(registry_, status_atom::value, id);
  }
  /// Ends chat `id`'s session as a crash would.
  void crash(const std::string& id) {
    sys().spawn([target = seen_->current.at(id)](caf::event_based_actor* self) {
      self->send_exit(target, caf::make_error(errc::storage_failure, "boom"));
    });
    run();
  }

  std::shared_ptr<store_script> store_ = std::make_shared<store_script>();
  std::shared_ptr<sessions_seen> seen_ = std::make_shared<sessions_seen>();
  session_registry_actor registry_;
};

// Routing: a message for a chat nobody routed yet waits until the store
// answers, across a failed attempt retried after its backoff.
TEST_F(RegistryTest, AMessageWaitsForTheRouteAcrossAFailedAttempt) {
  store_->route_errors = {caf::make_error(errc::storage_failure, "database down")};
  send(deliver_atom::value, std::string("c1"), entry(7));
  EXPECT_EQ(store_->routes, 1);
  EXPECT_EQ(seen_->started["c1"], 0);
  advance_time(100ms); // the first retry's backoff
  run();
  EXPECT_EQ(store_->routes, 2);
  EXPECT_EQ(seen_->started["c1"], 1);
  EXPECT_EQ(seen_->delivered["c1"], (std::vector<int64_t>{7}));
  // Routed now: the next message goes straight to the session.
  send(deliver_atom::value, std::string("c1"), entry(8));
  EXPECT_EQ(store_->routes, 2);
  EXPECT_EQ(seen_->delivered["c1"], (std::vector<int64_t>{7, 8}));
}

// Routing: a chat no node may serve tells its browser why, says so in its
// status, and is tried again later.
TEST_F(RegistryTest, ARefusedChatTellsItsBrowserAndIsTriedAgain) {
  store_->route_errors = {caf::make_error(errc::refused, "its workspace is not on any node")};
  auto frames = std::make_shared<std::vector<json>>();
  send(subscribe_atom::value, std::string("c1"), spawn_browser(sys(), frames), int64_t{-1},
       int64_t{0});
  ASSERT_EQ(frames->size(), 1u);
  EXPECT_EQ((*frames)[0]["type"], "session_failed");
  EXPECT_EQ((*frames)[0]["reason"], "unavailable");
  EXPECT_EQ(status("c1"), protocol::chat_status::unavailable);
  advance_time(5s);
  run();
  EXPECT_EQ(seen_->started["c1"], 1);
  EXPECT_EQ(seen_->subscribes["c1"], 1) << "the browser is handed to the session once it runs";
}

// Supervision: a crashed session restarts after its backoff, with its
// browsers; after five crashes in a minute it is failed, its browsers are
// told, and only a restart by hand runs it again.
TEST_F(RegistryTest, ACrashedSessionRestartsWithItsBrowsersUntilItFails) {
  auto frames = std::make_shared<std::vector<json>>();
  send(subscribe_atom::value, std::string("c1"), spawn_browser(sys(), frames), int64_t{-1},
       int64_t{0});
  EXPECT_EQ(seen_->subscribes["c1"], 1);
  crash("c1");
  EXPECT_EQ(status("c1"), protocol::chat_status::restarting);
  advance_time(100ms);
  run();
  EXPECT_EQ(seen_->started["c1"], 2);
  EXPECT_EQ(seen_->subscribes["c1"], 2) << "the browser follows the restarted session";
  for (int i = 0; i < 4; ++i) {
    crash("c1");
    advance_time(5s);
    run();
  }
  EXPECT_EQ(seen_->started["c1"], 5) << "the fifth crash is not restarted";
  EXPECT_EQ(status("c1"), protocol::chat_status::failed);
  ASSERT_FALSE(frames->empty());
  EXPECT_EQ(frames->back()["type"], "session_failed");
  EXPECT_EQ(frames->back()["reason"], "failed");
  EXPECT_EQ(frames->back()["crashes"], 5);
  // A message waits in the inbox; nothing starts the session but a restart by hand.
  send(deliver_atom::value, std::string("c1"), entry(1));
  EXPECT_EQ(seen_->started["c1"], 5);
  EXPECT_EQ(request<bool>(registry_, restart_atom::value, std::string("c1")), true);
  EXPECT_EQ(seen_->started["c1"], 6);
  EXPECT_EQ(status("c1"), protocol::chat_status::idle);
}

// Fan-out: a browser that went away is not handed to the next session.
TEST_F(RegistryTest, ABrowserThatLeftIsNotHandedOn) {
  auto frames = std::make_shared<std::vector<json>>();
  auto browser = spawn_browser(sys(), frames);
  auto other = spawn_browser(sys(), frames);
  send(subscribe_atom::value, std::string("c1"), browser, int64_t{-1}, int64_t{0});
  send(subscribe_atom::value, std::string("c1"), other, int64_t{-1}, int64_t{0});
  EXPECT_EQ(seen_->subscribes["c1"], 2);
  caf::anon_send_exit(browser, caf::exit_reason::user_shutdown);
  send(unsubscribe_atom::value, std::string("c1"), other);
  run();
  crash("c1");
  advance_time(100ms);
  run();
  EXPECT_EQ(seen_->started["c1"], 2);
  EXPECT_EQ(seen_->subscribes["c1"], 2) << "nobody is left to hand on";
}

// Operator actions: stop holds a chat (its session stopped with its turn
// cancelled, browsers told, messages kept for later) until a restart.
TEST_F(RegistryTest, AStoppedChatStaysStoppedUntilARestart) {
  auto frames = std::make_shared<std::vector<json>>();
  send(subscribe_atom::value, std::string("c1"), spawn_browser(sys(), frames), int64_t{-1},
       int64_t{0});
  EXPECT_EQ(request<bool>(registry_, stop_atom::value, std::string("c1")), true);
  EXPECT_EQ(seen_->stops["c1"], 1);
  EXPECT_EQ(request<bool>(registry_, stop_atom::value, std::string("c1")), false);
  ASSERT_FALSE(frames->empty());
  EXPECT_EQ(frames->back()["reason"], "stopped");
  auto live = request<std::vector<actor_live>>(registry_, stats_atom::value);
  ASSERT_TRUE(live && live->size() == 1u);
  EXPECT_EQ((*live)[0].state, protocol::actor_state::stopped);
  send(deliver_atom::value, std::string("c1"), entry(3));
  EXPECT_EQ(seen_->started["c1"], 1);
  EXPECT_EQ(request<bool>(registry_, restart_atom::value, std::string("c1")), true);
  EXPECT_EQ(seen_->started["c1"], 2);
  live = request<std::vector<actor_live>>(registry_, stats_atom::value);
  ASSERT_TRUE(live && live->size() == 1u);
  EXPECT_EQ((*live)[0].state, protocol::actor_state::idle);
}

// Operator actions: drain moves every chat this node holds to the least
// loaded other node that is up, and says how many moved.
TEST_F(RegistryTest, DrainMovesEveryChatToTheLeastLoadedNodes) {
  store_->nodes = {
    {"n1", "", "up", 3}, {"n2", "", "up", 1}, {"n3", "", "up", 2}, {"n4", "", "dead", 0}};
  store_->leases = {"c1", "c2", "c3"};
  EXPECT_EQ(request<int64_t>(registry_, drain_atom::value), 3);
  EXPECT_EQ(store_->states, (std::vector<std::string>{"draining"}));
  std::map<std::string, int> to;
  for (auto& [chat, node] : store_->moves)
    ++to[node];
  EXPECT_EQ(to, (std::map<std::string, int>{{"n2", 2}, {"n3", 1}}));
  using inspected = std::pair<protocol::actor_state, std::vector<std::string>>;
  for (auto* id : {"c1", "c2", "c3"}) {
    std::optional<inspected> got;
    sys().spawn([this, id, &got](caf::event_based_actor* self) {
      self->request(registry_, caf::infinite, inspect_atom::value, std::string(id))
        .then([&got](protocol::actor_state s, std::vector<std::string> subs) {
          got = inspected{s, std::move(subs)};
        });
    });
    run();
    EXPECT_FALSE(got) << id << " is still this node's after the drain";
  }
}

// Operator actions: with no other node up, drain refuses and the node stays up.
TEST_F(RegistryTest, DrainWithNoOtherNodeUpRefusesAndStaysUp) {
  store_->nodes = {{"n1", "", "up", 3}, {"n2", "", "draining", 0}};
  EXPECT_EQ(request<int64_t>(registry_, drain_atom::value), std::nullopt);
  EXPECT_EQ(store_->states, (std::vector<std::string>{"draining", "up"}));
}

// Supervision: when the cluster declares this node dead, its sessions end and
// what waits for them is routed again.
TEST_F(RegistryTest, AResetEndsTheSessionsAndRoutesAgain) {
  auto frames = std::make_shared<std::vector<json>>();
  send(subscribe_atom::value, std::string("c1"), spawn_browser(sys(), frames), int64_t{-1},
       int64_t{0});
  EXPECT_EQ(store_->routes, 1);
  EXPECT_EQ(request<bool>(registry_, reset_atom::value), true);
  auto live = request<std::vector<actor_live>>(registry_, stats_atom::value);
  ASSERT_TRUE(live);
  EXPECT_TRUE(live->empty());
  advance_time(500ms);
  run();
  EXPECT_EQ(store_->routes, 2);
  EXPECT_EQ(seen_->started["c1"], 2);
  EXPECT_EQ(seen_->subscribes["c1"], 2);
}

TEST(RegistrySlotTest, ASlotsStateSaysWhetherItIsOursAndWhatStatsShow) {
  actor_slot slot;
  EXPECT_FALSE(is_local(slot.state));
  slot.own();
  EXPECT_EQ(slot.state, slot_state::owned);
  EXPECT_EQ(live_state(slot), std::nullopt) << "not loaded";
  slot.state = slot_state::held;
  slot.own();
  EXPECT_EQ(slot.state, slot_state::held) << "owning what is ours changes nothing";
  EXPECT_EQ(live_state(slot), protocol::actor_state::stopped);
  slot.state = slot_state::resolving;
  slot.done_resolving();
  EXPECT_EQ(slot.state, slot_state::unrouted);
  slot.state = slot_state::remote;
  slot.done_resolving();
  EXPECT_EQ(slot.state, slot_state::remote) << "a route found meanwhile stays";
  EXPECT_EQ(status_of(protocol::session_failure::stopped), protocol::chat_status::stopped);
  EXPECT_EQ(refusal_of(caf::make_error(errc::refused, "x")),
            protocol::session_failure::unavailable);
  EXPECT_FALSE(is_crash(caf::make_error(errc::fenced, "x")));
  EXPECT_TRUE(is_crash(caf::make_error(errc::storage_failure, "x")));
}

// Supervision: a session that ends without answering the stop it was asked
// for (its lease was taken meanwhile) still ends the stop, and the chat is
// routed again rather than held here.
TEST_F(RegistryTest, AStopEndsWhenTheSessionQuitsWithoutAnswering) {
  seen_->fenced_on_stop = true;
  auto frames = std::make_shared<std::vector<json>>();
  send(subscribe_atom::value, std::string("c1"), spawn_browser(sys(), frames), int64_t{-1},
       int64_t{0});
  EXPECT_EQ(store_->routes, 1);
  EXPECT_EQ(request<bool>(registry_, stop_atom::value, std::string("c1")), true);
  EXPECT_EQ(store_->routes, 2) << "the chat lost here is routed again";
  EXPECT_EQ(seen_->started["c1"], 2);
}

// Operator actions: a held chat whose move fails stays held, and whoever
// asks for it is told so at once.
TEST_F(RegistryTest, AHeldChatWhoseMoveFailsStaysHeld) {
  send(resume_atom::value, std::vector<std::string>{"c1"});
  EXPECT_EQ(request<bool>(registry_, stop_atom::value, std::string("c1")), true);
  store_->move_error = caf::make_error(errc::unavailable, "node n2 is not up");
  EXPECT_EQ(request<bool>(registry_, migrate_atom::value, std::string("c1"), std::string("n2")),
            std::nullopt);
  EXPECT_EQ(status("c1"), protocol::chat_status::stopped);
  std::optional<caf::error> refused;
  sys().spawn([this, &refused](caf::event_based_actor* self) {
    self->request(registry_, caf::infinite, resolve_atom::value, std::string("c1"))
      .then([](const session_actor&) {}, [&refused](caf::error& e) { refused = e; });
  });
  run();
  ASSERT_TRUE(refused);
  EXPECT_TRUE(is_error(*refused, errc::stopped));
  EXPECT_EQ(seen_->started["c1"], 1) << "nothing started it again";
}
