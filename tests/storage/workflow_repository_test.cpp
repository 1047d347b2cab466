// Workflow runs on a real PostgreSQL: a run is a task with its script and a
// conversation of its own, written once per parent call; its steps are
// tasks under it, started within its own bound; its journal keeps the first
// value written at each path; a run's end notifies the chat that started it,
// and a run started over REST notifies nobody.
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "storage/chat_repository.hpp"
#include "storage/session_repository.hpp"
#include "storage/storage_error.hpp"
#include "storage/task_repository.hpp"
#include "storage/workflow_repository.hpp"
#include "tests/support/sample_records.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;
using protocol::task_state;
using json = nlohmann::json;

namespace {

struct fixture {
  test::test_database db;
  storage::chat_repository chats{db.conninfo()};
  storage::task_repository tasks{db.conninfo()};
  storage::workflow_repository runs{db.conninfo()};
  storage::session_repository sessions{db.conninfo()};

  fixture() { chats.create_chat(test::sample_chat("c_1")); }

  /// A run of `name` started by chat c_1's turn 2 (or over REST, on its own).
  static storage::workflow_run_spec spec(const std::string& id, bool from_chat) {
    storage::workflow_run_spec s;
    s.task.id = id;
    s.task.chat_id = from_chat ? "c_1" : id;
    s.task.parent_actor = from_chat ? "c_1" : id;
    s.task.parent_turn = from_chat ? 2 : 0;
    s.task.call_id = from_chat ? "call_9" : id;
    s.task.description = "multi-review";
    s.task.prompt = "run workflow multi-review";
    s.name = "multi-review";
    s.source = "export const meta = {name: 'multi-review', description: 'd'};\nreturn 1;";
    s.args = json{{"paths", {"src"}}};
    s.meta = json{{"name", "multi-review"}, {"description", "d"}};
    s.budget = 50000;
    s.concurrency = 1;
    s.workspace = "/work/rest";
    s.owner = "ana";
    return s;
  }

  /// Step `path` of run `run`.
  static agent::task_spawn step(const std::string& id, const std::string& run,
                                const std::string& path) {
    agent::task_spawn s;
    s.id = id;
    s.chat_id = run;
    s.parent_actor = run;
    s.call_id = path;
    s.description = "review " + path;
    s.prompt = "Review the diff.";
    s.spec_hash = "hash-" + path;
    return s;
  }

  int64_t inbox_of(const std::string& actor) {
    pqxx::connection c{db.conninfo()};
    pqxx::read_transaction tx{c};
    return tx.exec_params1("SELECT count(*) FROM inbox WHERE actor_id = $1", actor)[0]
      .as<int64_t>();
  }
  std::string kind_of_chat(const std::string& id) {
    pqxx::connection c{db.conninfo()};
    pqxx::read_transaction tx{c};
    return tx.exec_params1("SELECT kind || ' ' || workspace FROM chats WHERE id = $1", id)[0]
      .c_str();
  }
};

} // namespace

TEST(WorkflowRepositoryTest, ARunOverRestHasItsOwnConversationAndIsWrittenOnce) {
  fixture f;
  auto first = f.runs.create(fixture::spec("w_1", false));
  EXPECT_TRUE(first.fresh);
  const auto& r = first.run;
  EXPECT_EQ(r.task.spawn.id, "w_1");
  EXPECT_EQ(r.task.state, task_state::queued);
  EXPECT_EQ(r.name, "multi-review");
  EXPECT_EQ(r.args, json::parse(R"({"paths":["src"]})"));
  EXPECT_EQ(r.meta.at("description"), "d");
  EXPECT_EQ(r.budget, 50000);
  EXPECT_EQ(r.concurrency, 1);
  EXPECT_EQ(r.workspace, "/work/rest");
  EXPECT_EQ(r.owner, "ana");
  EXPECT_TRUE(r.result.is_null());
  EXPECT_EQ(f.kind_of_chat("w_1"), "workflow /work/rest");

  auto again = f.runs.create(fixture::spec("w_1", false));
  EXPECT_FALSE(again.fresh);
  EXPECT_EQ(again.run.task.spawn.id, "w_1");
  // Its end notifies nobody: it has no parent.
  EXPECT_FALSE(f.tasks.finish("w_1", task_state::completed, "1", "", "done").has_value());
  EXPECT_EQ(f.inbox_of("w_1"), 0);
}

TEST(WorkflowRepositoryTest, AChatsRunWorksInTheChatsWorkspaceAndNotifiesItOnce) {
  fixture f;
  auto created = f.runs.create(fixture::spec("w_2", true));
  EXPECT_EQ(created.run.workspace, "/work/c_1");
  EXPECT_EQ(f.kind_of_chat("w_2"), "workflow /work/c_1");
  // The same tool call replayed with a new id finds the run it made.
  auto replayed = f.runs.create(fixture::spec("w_3", true));
  EXPECT_FALSE(replayed.fresh);
  EXPECT_EQ(replayed.run.task.spawn.id, "w_2");
  ASSERT_EQ(f.runs.for_chat("c_1", 10).size(), 1u);
  ASSERT_TRUE(f.tasks.start("w_2", "node-a").has_value());
  EXPECT_TRUE(f.tasks.finish("w_2", task_state::completed, "{}", "", "done").has_value());
  EXPECT_FALSE(f.tasks.finish("w_2", task_state::failed, "", "x", "again").has_value());
  EXPECT_EQ(f.inbox_of("c_1"), 1);
}

TEST(WorkflowRepositoryTest, StepsAreTasksOfTheRunStartedWithinItsOwnBound) {
  fixture f;
  f.runs.create(fixture::spec("w_1", true)); // concurrency 1
  auto a = f.tasks.create(fixture::step("s_a", "w_1", "parallel-0/item-0/agent-0"));
  auto b = f.tasks.create(fixture::step("s_b", "w_1", "parallel-0/item-1/agent-0"));
  EXPECT_EQ(a.task.spawn.spec_hash, "hash-parallel-0/item-0/agent-0");
  EXPECT_EQ(f.kind_of_chat("s_a"), "workflow_step /work/c_1");
  // A node-wide per-chat bound of 4 does not apply: the run allows one.
  EXPECT_TRUE(f.tasks.start("s_a", "node-a", 4, 0).has_value());
  EXPECT_FALSE(f.tasks.start("s_b", "node-a", 4, 0).has_value());
  f.tasks.finish("s_a", task_state::completed, "looks fine", "", "step done");
  EXPECT_TRUE(f.tasks.start("s_b", "node-a", 4, 0).has_value());
  // The step's end went to the run's inbox.
  EXPECT_EQ(f.inbox_of("w_1"), 1);
  // A replayed script finds its step at the same path.
  auto again = f.tasks.create(fixture::step("s_c", "w_1", "parallel-0/item-0/agent-0"));
  EXPECT_FALSE(again.fresh);
  EXPECT_EQ(again.task.spawn.id, "s_a");
  EXPECT_EQ(again.task.result, "looks fine");
  EXPECT_EQ(f.tasks.children("w_1").size(), 2u);
}

TEST(WorkflowRepositoryTest, TheJournalKeepsTheFirstValueAtEachPathInOrder) {
  fixture f;
  f.runs.create(fixture::spec("w_1", false));
  auto lease = f.sessions.acquire_lease("w_1", "node-a");
  EXPECT_TRUE(f.runs.record(lease, {"now-0", "now", 1700000000000.0, "", ""}));
  EXPECT_TRUE(f.runs.record(lease, {"phase-0", "phase", "Review", "Review", ""}));
  EXPECT_TRUE(f.runs.record(lease, {"log-0", "log", "looking", "Review", ""}));
  // A replay writes the same paths again: nothing changes.
  EXPECT_FALSE(f.runs.record(lease, {"now-0", "now", 1800000000000.0, "", ""}));
  const auto journal = f.runs.journal("w_1");
  ASSERT_EQ(journal.size(), 3u);
  EXPECT_EQ(journal[0].value, 1700000000000.0);
  EXPECT_EQ(journal[1].kind, "phase");
  EXPECT_EQ(journal[2].value, "looking");
  EXPECT_EQ(journal[2].phase, "Review");
  f.runs.set_result("w_1", json{{"issues", 3}});
  EXPECT_EQ(f.runs.find("w_1")->result, json::parse(R"({"issues":3})"));
  EXPECT_FALSE(f.runs.find("w_9").has_value());
}

TEST(WorkflowRepositoryTest, AnOwnerThatLostTheRunsLeaseWritesNothing) {
  fixture f;
  f.runs.create(fixture::spec("w_1", false));
  auto old = f.sessions.acquire_lease("w_1", "node-a");
  f.sessions.release_lease(old);
  auto now = f.sessions.acquire_lease("w_1", "node-b"); // the run moved
  EXPECT_THROW(f.runs.record(old, {"random-0", "random", 0.25, "", ""}), storage::fenced);
  EXPECT_TRUE(f.runs.journal("w_1").empty()) << "the old owner's value is not kept";
  EXPECT_TRUE(f.runs.record(now, {"random-0", "random", 0.75, "", ""}));
  ASSERT_EQ(f.runs.journal("w_1").size(), 1u);
  EXPECT_EQ(f.runs.journal("w_1")[0].value, 0.75) << "the new owner's value stands";
}
