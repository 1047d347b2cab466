#include "tests/actors/test_node.hpp"

#include <algorithm>

#include <spdlog/sinks/stdout_sinks.h>

#include "runtime/model/scripted_provider.hpp"
#include "runtime/poll.hpp"
#include "storage/chat_repository.hpp"
#include "tests/support/sample_records.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_database.hpp"

namespace boocode::test {

using nlohmann::json;

void create_chat(const test_database& db, const temp_dir& workspace) {
  auto c = sample_chat("c_1");
  c.workspace = workspace.path().string();
  storage::chat_repository{db.conninfo()}.create_chat(c);
}

void collector::send_frame(std::string text) {
  std::lock_guard guard{mtx_};
  frames_.push_back(json::parse(text));
}

size_t collector::count(const std::string& type) {
  std::lock_guard guard{mtx_};
  return std::count_if(frames_.begin(), frames_.end(),
                       [&](const json& f) { return f["type"] == type; });
}

json collector::last(const std::string& type) {
  std::lock_guard guard{mtx_};
  for (auto i = frames_.rbegin(); i != frames_.rend(); ++i)
    if ((*i)["type"] == type)
      return *i;
  return {};
}

std::vector<json> collector::all() {
  std::lock_guard guard{mtx_};
  return frames_;
}

test_node::test_node(const std::string& node_id, const std::string& conninfo,
                     test_node_options opts)
  : id(node_id) {
  using namespace std::chrono_literals;
  cfg.distributed(100ms, 2s);
  sys = std::make_unique<caf::actor_system>(cfg);
  deps = std::make_shared<session_deps>();
  connect_storage(*deps, conninfo, 4);
  deps->node_id = id;
  deps->passivate_after = opts.passivate_after;
  // Not in spdlog's registry: every test makes its nodes anew.
  deps->log = std::make_shared<spdlog::logger>("session-" + id,
                                               std::make_shared<spdlog::sinks::stderr_sink_mt>());
  model::model_script script;
  for (int i = 1; i <= opts.answers; ++i)
    script.turns.push_back({model::script_step{"answer " + std::to_string(i), "", {}, nullptr}});
  script.piece_delay = 0ms;
  deps->provider = std::make_shared<model::scripted_provider>(script, "scripted");
  store = spawn_cluster_store(*sys, {conninfo, {id}, 3s, nullptr});
  peers = spawn_peer_links(*sys, {.node_id = id, .log = nullptr});
  registry = spawn_session_registry(*sys, deps, store, peers);
  directory = spawn_node_directory(*sys, registry, peers);
  auto port = publish_on_cluster(*sys, directory, 0, "127.0.0.1");
  EXPECT_TRUE(port);
  cluster_address = "127.0.0.1:" + std::to_string(*port);
  caf::scoped_actor self{*sys};
  self
    ->request(store, 10s, join_atom::value, std::string("http://" + id), cluster_address,
              std::string("127.0.0.1:0"))
    .receive([](bool) {}, [&](caf::error& e) { ADD_FAILURE() << sys->render(e); });
  chats = std::make_unique<chat_service_impl>(*sys, deps, registry);
}

void test_node::link(test_node& other) {
  auto& from = dials_peer(id, other.id) ? *this : other;
  auto& to = &from == this ? other : *this;
  caf::scoped_actor self{*from.sys};
  // As a cluster monitor does at every beat: a dial that failed (a loaded
  // machine may miss the handshake's deadline) is made again.
  std::string last;
  bool linked = poll_until(std::chrono::seconds(30), [&] {
    bool ok = false;
    self
      ->request(from.peers, std::chrono::seconds(10), caf::connect_atom::value, to.id,
                to.cluster_address)
      .receive([&](const node_directory_actor&) { ok = true; },
               [&](caf::error& e) { last = from.sys->render(e); });
    return ok;
  });
  EXPECT_TRUE(linked) << "cannot link " << from.id << " to " << to.id << ": " << last;
}

test_node::~test_node() {
  chats->close_clients();
  chats.reset();
  for (const caf::actor& a :
       {caf::actor_cast<caf::actor>(directory), caf::actor_cast<caf::actor>(registry),
        caf::actor_cast<caf::actor>(store), caf::actor_cast<caf::actor>(peers)})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::scoped_actor self{*sys};
  self->wait_for(registry); // its sessions stop with it, cancelling their turns
  stop_work(*deps);
}

} // namespace boocode::test
