// A session whose database cannot be reached while it loads waits for it
// instead of crashing (an outage is not the session's fault), then resumes
// its work when the database is back. The outage is real: libpq looks for
// the server's socket in a folder where it is missing, then appears (a link
// to the test cluster's socket).
#include <filesystem>
#include <regex>

#include <caf/all.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "actors/cluster_store.hpp"
#include "actors/session_registry.hpp"
#include "runtime/actor_system.hpp"
#include "runtime/model/scripted_provider.hpp"
#include "runtime/poll.hpp"
#include "storage/chat_repository.hpp"
#include "storage/session_repository.hpp"
#include "tests/support/sample_records.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;
using namespace std::chrono_literals;

namespace {

/// The log lines so far that contain `what`.
size_t lines_with(const std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt>& sink,
                  const std::string& what) {
  size_t n = 0;
  for (auto& line : sink->last_formatted())
    n += line.find(what) != std::string::npos ? 1 : 0;
  return n;
}

} // namespace

TEST(SessionOutageTest, ASessionWaitsForItsDatabaseThenAnswers) {
  test::test_database db;
  test::temp_dir workspace;
  auto chat = test::sample_chat("c_1");
  chat.workspace = workspace.path().string();
  storage::chat_repository{db.conninfo()}.create_chat(chat);
  storage::session_repository{db.conninfo()}.post("c_1", "hello?", "m-1");

  // The same database through a socket folder that is empty for now.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(db.conninfo(), m, std::regex{R"(host=(\S+) port=(\d+))"}));
  std::filesystem::path real_dir = m[1].str();
  auto socket = ".s.PGSQL." + m[2].str();
  test::temp_dir gone;
  auto conninfo =
    std::regex_replace(db.conninfo(), std::regex{R"(host=\S+)"}, "host=" + gone.path().string());

  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(200);
  auto deps = std::make_shared<session_deps>();
  connect_storage(*deps, conninfo, 4);
  deps->node_id = "node-test";
  deps->log = std::make_shared<spdlog::logger>("session", sink);
  model::model_script script;
  script.turns.push_back({model::script_step{"I am here.", "", {}, nullptr}});
  script.piece_delay = 0ms;
  deps->provider = std::make_shared<model::scripted_provider>(script, "scripted");
  {
    node_actor_config cfg;
    caf::actor_system sys{cfg};
    auto store = spawn_cluster_store(sys, {conninfo, {"node-test"}, 3s, nullptr});
    auto registry = spawn_session_registry(sys, deps, store, {});
    caf::anon_send(registry, resume_atom::value, std::vector<std::string>{"c_1"});
    // It keeps waiting (two retries seen), and is neither crashed nor failed.
    ASSERT_TRUE(poll_until(20s, [&] { return lines_with(sink, "database unreachable") >= 2; }));
    caf::scoped_actor self{sys};
    std::optional<protocol::chat_status> status;
    self->request(registry, 5s, status_atom::value, std::string("c_1"))
      .receive([&](protocol::chat_status s) { status = s; }, [](caf::error&) {});
    EXPECT_EQ(status, protocol::chat_status::idle);
    EXPECT_EQ(lines_with(sink, "crashed"), 0u);

    // The database is back: the waiting message gets its turn.
    std::filesystem::create_symlink(real_dir / socket, gone.path() / socket);
    EXPECT_TRUE(
      poll_until(30s, [&] { return db.scalar("SELECT count(*) FROM chat_turns") == "1"; }));
    auto history = storage::chat_repository{db.conninfo()}.messages("c_1");
    ASSERT_EQ(history.size(), 2u);
    EXPECT_EQ(history[1].content, "I am here.");
    self->send_exit(registry, caf::exit_reason::user_shutdown);
    self->send_exit(store, caf::exit_reason::user_shutdown);
    self->wait_for(registry);
    stop_work(*deps);
  }
}
