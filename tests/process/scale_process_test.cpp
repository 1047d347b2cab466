// Many chats, tried as a team would: real nodes on a PostgreSQL of their own
// (the settings of the embedded default, less fsync), a fake model that
// answers at once, browsers sending from several threads. Every message is
// answered and the database never sees more connections than the nodes'
// budget (db-pool + 2 each), however many chats there are.
//
// BOOCODE_SCALE_CHATS=N runs the one-node test with N chats instead of 10,000.
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/poll.hpp"
#include "storage/embedded_postgres.hpp"
#include "storage/migrations.hpp"
#include "tests/support/fake_model_server.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/load_driver.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

class ScaleProcessTest : public ::testing::Test {
protected:
  /// A PostgreSQL of the test's own with `settings`, migrated.
  void start_database(std::vector<std::string> settings = {}) {
    storage::embedded_postgres_options opts;
    opts.root = dir_ / "pg";
    opts.unsafe_fast = true;
    opts.settings = std::move(settings);
    pg_ = storage::embedded_postgres::start(opts);
    conninfo_ = pg_->conninfo();
    storage::apply_migrations(conninfo_, storage::builtin_migrations());
    std::filesystem::create_directories(workspace_);
  }

  test::node_process& start_node(const std::string& id) {
    nodes_.push_back(std::make_unique<test::node_process>(
      std::vector<std::string>{"serve", "--listen", "127.0.0.1:0", "--data-dir",
                               (dir_ / id).string(), "--node-id", id, "--database-url", conninfo_,
                               "--model-base-url", model_.base_url(), "--model", "fake-model",
                               "--passivate-after", "0", "--log-level", "warn"},
      dir_ / (id + ".log")));
    nodes_.back()->wait_ready();
    return *nodes_.back();
  }

  void TearDown() override {
    for (auto& n : nodes_) {
      n->signal(SIGTERM);
      EXPECT_EQ(n->wait_exit(120s), 0);
      EXPECT_EQ(n->output().find("too many clients"), std::string::npos) << n->output();
    }
  }

  /// `chats` new chats, each sent one message, through `nodes` in turn;
  /// their ids. Counts the requests that were not accepted.
  std::vector<std::string> create_and_post(int chats, int clients) {
    std::vector<std::string> ids(static_cast<size_t>(chats));
    test::spread(chats, clients, [&](int i) {
      auto to = nodes_[static_cast<size_t>(i) % nodes_.size()]->address();
      auto res =
        test::http_call(to, "POST", "/api/chats", json{{"workspace", workspace_.string()}}.dump());
      if (res.status != 201) {
        ++refused_;
        return;
      }
      auto& id = ids[static_cast<size_t>(i)];
      id = res.json()["id"];
      post(to, id);
    });
    return ids;
  }

  void post(const test::endpoint& to, const std::string& chat) {
    if (test::http_call(to, "POST", "/api/chats/" + chat + "/messages", R"({"text":"hi"})")
          .status != 202)
      ++refused_;
  }

  /// Waits until `n` turns are stored (each the answer of one message).
  bool turns_stored(int64_t n) {
    return poll_until(
      30min, [&] { return test::count_of(conninfo_, "SELECT count(*) FROM chat_turns") >= n; });
  }

  int budget(test::node_process& n) {
    return test::http_call(n.address(), "GET", "/api/health")
             .json()["database"]["pool_size"]
             .get<int>() +
           2;
  }

  test::temp_dir dir_;
  std::filesystem::path workspace_ = dir_ / "ws";
  std::unique_ptr<storage::embedded_postgres> pg_;
  std::string conninfo_;
  test::fake_model_server model_;
  std::vector<std::unique_ptr<test::node_process>> nodes_;
  std::atomic<int> refused_{0};
};

} // namespace

TEST_F(ScaleProcessTest, OneNodeAnswersTenThousandChatsWithinItsConnectionBudget) {
  const char* override_n = std::getenv("BOOCODE_SCALE_CHATS");
  int chats = override_n != nullptr ? std::atoi(override_n) : 10000;
  int again = chats / 10;
  start_database();
  for (int i = 0; i < chats + again; ++i)
    model_.enqueue(test::fake_reply::text_reply("ok"));
  test::connection_sampler sampler{conninfo_};
  auto& node = start_node("node-a");
  auto before = test::http_call(node.address(), "GET", "/api/health").json();

  auto ids = create_and_post(chats, 8);
  ASSERT_TRUE(turns_stored(chats));
  auto loaded = test::http_call(node.address(), "GET", "/api/health").json();
  test::spread(again, 8, [&](int i) { post(node.address(), ids[static_cast<size_t>(i)]); });
  ASSERT_TRUE(turns_stored(chats + again));

  EXPECT_EQ(refused_, 0);
  EXPECT_EQ(test::count_of(conninfo_, "SELECT count(*) FROM messages WHERE role = 'assistant'"),
            chats + again);
  EXPECT_EQ(loaded["sessions"]["loaded"], chats);
  EXPECT_LE(sampler.most(), budget(node));
  auto per_chat = [&](const char* what) {
    return static_cast<double>(loaded["memory"][what].get<int64_t>() -
                               before["memory"][what].get<int64_t>()) /
           chats / 1024;
  };
  std::cout << chats << " chats: at most " << sampler.most() << " connections (budget "
            << budget(node) << "); per loaded idle chat " << per_chat("heap_bytes") << " KiB heap, "
            << per_chat("rss_bytes") << " KiB RSS\n";
  RecordProperty("heap_kib_per_idle_chat", std::to_string(per_chat("heap_bytes")));
}

TEST_F(ScaleProcessTest, ThreeNodesServeThreeThousandChatsOnFiftyConnections) {
  const int chats = 3000;
  start_database({"max_connections=50"});
  for (int i = 0; i < chats; ++i)
    model_.enqueue(test::fake_reply::text_reply("ok"));
  test::connection_sampler sampler{conninfo_};
  for (auto id : {"node-a", "node-b", "node-c"})
    start_node(id);

  create_and_post(chats, 6);
  ASSERT_TRUE(turns_stored(chats));
  EXPECT_EQ(refused_, 0);
  EXPECT_EQ(test::count_of(conninfo_, "SELECT count(*) FROM messages WHERE role = 'assistant'"),
            chats);
  // Every node served a share, and together they stayed inside the budget.
  for (auto id : {"node-a", "node-b", "node-c"})
    EXPECT_GT(test::count_of(conninfo_, std::string("SELECT count(*) FROM actor_leases WHERE "
                                                    "node_id = '") +
                                          id + "'"),
              chats / 6)
      << id;
  EXPECT_LE(sampler.most(), 3 * budget(*nodes_[0]));
  EXPECT_LE(sampler.most(), 50 - 3); // and inside the server's, less the superuser's reserve
}
