// Background subagents' rows on a real PostgreSQL: written once per parent
// call (a replayed turn finds its task) with its conversation, started once
// within the limits (its prompt and lease with it), ended once with one
// notification for its parent, usage added up, children found for a
// cascade, and the counts the limits read.
#include <latch>
#include <thread>

#include <gtest/gtest.h>

#include "storage/chat_repository.hpp"
#include "storage/storage_error.hpp"
#include "storage/task_repository.hpp"
#include "tests/support/sample_records.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;
using protocol::task_state;

namespace {

struct fixture {
  test::test_database db;
  storage::chat_repository chats{db.conninfo()};
  storage::task_repository tasks{db.conninfo()};

  fixture() { chats.create_chat(test::sample_chat("c_1")); }

  /// A spawn from chat c_1's turn 1, call `call`.
  static agent::task_spawn spawn(const std::string& id, const std::string& call) {
    agent::task_spawn s;
    s.id = id;
    s.chat_id = "c_1";
    s.parent_actor = "c_1";
    s.parent_turn = 1;
    s.call_id = call;
    s.description = "look around";
    s.prompt = "List the files.";
    return s;
  }
};

} // namespace

TEST(TaskRepositoryTest, ASpawnIsWrittenOnceEvenWhenItsTurnIsReplayed) {
  fixture f;
  auto s = fixture::spawn("t_1", "call_1");
  s.tools = std::vector<std::string>{"read_file", "search"};
  s.model = "small-model";
  auto first = f.tasks.create(s);
  EXPECT_TRUE(first.fresh);
  EXPECT_EQ(first.task.state, task_state::queued);
  EXPECT_EQ(first.task.spawn.tools, s.tools);
  EXPECT_EQ(first.task.spawn.model, "small-model");
  EXPECT_FALSE(first.task.created_at.empty());
  EXPECT_TRUE(first.task.started_at.empty());
  // The parent's turn resumed after a crash makes the same call again, with
  // a new id: the task it spawned before comes back.
  auto again = f.tasks.create(fixture::spawn("t_2", "call_1"));
  EXPECT_FALSE(again.fresh);
  EXPECT_EQ(again.task.spawn.id, "t_1");
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM tasks"), "1");
  EXPECT_FALSE(f.tasks.find("t_2"));
  auto found = f.tasks.find("t_1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->spawn.prompt, "List the files.");
  EXPECT_FALSE(found->spawn.tools == std::nullopt);
  // Its conversation: a chat row of kind subagent, on the parent's
  // workspace and owner, that chat lists do not show.
  auto conv = f.chats.find_chat("t_1");
  ASSERT_TRUE(conv);
  EXPECT_EQ(conv->parent_chat, "c_1");
  EXPECT_TRUE(conv->is_subagent());
  EXPECT_EQ(conv->workspace, f.chats.find_chat("c_1")->workspace);
  EXPECT_EQ(conv->title, "look around");
  EXPECT_EQ(f.chats.list_chats(std::nullopt, 10).size(), 1u) << "only the chat is listed";
}

TEST(TaskRepositoryTest, StartsOnceAndEndsOnce) {
  fixture f;
  f.tasks.create(fixture::spawn("t_1", "call_1"));
  auto prompt = f.tasks.start("t_1", "node-a");
  ASSERT_TRUE(prompt);
  EXPECT_EQ(prompt->content, "List the files.");
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM inbox WHERE actor_id = 't_1'"), "1");
  EXPECT_EQ(f.db.scalar("SELECT node_id || ' ' || kind || ' ' || epoch FROM actor_leases"
                        " WHERE actor_id = 't_1'"),
            "node-a subagent 0")
    << "its lease is placed where it starts";
  EXPECT_FALSE(f.tasks.start("t_1", "node-b")) << "started twice";
  auto running = f.tasks.find("t_1");
  EXPECT_EQ(running->state, task_state::running);
  EXPECT_EQ(running->owner_node, "node-a");
  EXPECT_FALSE(running->started_at.empty());
  auto note = f.tasks.finish("t_1", task_state::completed, "three files", "", "t_1 is done");
  ASSERT_TRUE(note);
  EXPECT_EQ(note->kind, chat::inbox_kind::notification);
  EXPECT_EQ(f.db.scalar("SELECT content FROM inbox WHERE actor_id = 'c_1' AND kind ="
                        " 'notification'"),
            "t_1 is done")
    << "its parent is notified";
  EXPECT_FALSE(f.tasks.finish("t_1", task_state::cancelled, "", "stopped", "again"))
    << "ended twice";
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM inbox WHERE actor_id = 'c_1'"), "1")
    << "one notification";
  auto done = f.tasks.find("t_1");
  EXPECT_EQ(done->state, task_state::completed);
  EXPECT_EQ(done->result, "three files");
  EXPECT_TRUE(done->error.empty());
  EXPECT_FALSE(done->ended_at.empty());
  EXPECT_FALSE(f.tasks.start("t_1", "node-a")) << "an ended task started again";
  EXPECT_THROW(f.tasks.finish("t_1", task_state::running, "", "", ""), storage::storage_error);
  // A queued task may end without starting (cancelled before a slot came).
  f.tasks.create(fixture::spawn("t_2", "call_2"));
  EXPECT_TRUE(
    f.tasks.finish("t_2", task_state::cancelled, "", "stopped by the user", "t_2 stopped"));
  EXPECT_EQ(f.tasks.find("t_2")->error, "stopped by the user");
  EXPECT_FALSE(f.tasks.find("t_nope"));
}

TEST(TaskRepositoryTest, ConcurrentEndsStoreOne) {
  fixture f;
  f.tasks.create(fixture::spawn("t_1", "call_1"));
  f.tasks.start("t_1", "node-a");
  constexpr int racers = 6;
  std::latch go{racers};
  std::atomic<int> won{0};
  std::vector<std::thread> threads;
  threads.reserve(racers);
  for (int i = 0; i < racers; ++i)
    threads.emplace_back([&, i] {
      storage::task_repository own{f.db.conninfo()};
      go.arrive_and_wait();
      if (own.finish("t_1", i % 2 ? task_state::completed : task_state::cancelled,
                     "by " + std::to_string(i), "", "ended by " + std::to_string(i)))
        ++won;
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM inbox WHERE kind = 'notification'"), "1");
}

TEST(TaskRepositoryTest, StartsWithinTheRunningLimits) {
  fixture f;
  for (int i = 1; i <= 4; ++i)
    f.tasks.create(fixture::spawn("t_" + std::to_string(i), "call_" + std::to_string(i)));
  EXPECT_TRUE(f.tasks.start("t_1", "node-a", 2, 0));
  EXPECT_TRUE(f.tasks.start("t_2", "node-a", 2, 0));
  EXPECT_FALSE(f.tasks.start("t_3", "node-a", 2, 0)) << "two per chat";
  EXPECT_EQ(f.tasks.find("t_3")->state, task_state::queued) << "it waits";
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM inbox WHERE actor_id = 't_3'"), "0")
    << "no prompt before it starts";
  EXPECT_FALSE(f.tasks.start("t_3", "node-a", 0, 2)) << "two per node";
  EXPECT_TRUE(f.tasks.start("t_3", "node-b", 0, 2)) << "another node has room";
  f.tasks.finish("t_1", task_state::completed, "done", "", "t_1 done");
  EXPECT_TRUE(f.tasks.start("t_4", "node-a", 3, 2)) << "an end makes room";
}

TEST(TaskRepositoryTest, UsageAddsUpAndTheWorktreeIsKept) {
  fixture f;
  f.tasks.create(fixture::spawn("t_1", "call_1"));
  f.tasks.add_usage("t_1", {100, 40, 20, 5}, 0.002);
  f.tasks.add_usage("t_1", {50, 50, 10, 0}, 0.001);
  f.tasks.set_worktree("t_1", "/w/.boocode/worktrees/t_1", "boocode/t_1");
  auto t = f.tasks.find("t_1");
  EXPECT_EQ(t->usage.input, 150);
  EXPECT_EQ(t->usage.cached, 90);
  EXPECT_EQ(t->usage.output, 30);
  EXPECT_EQ(t->usage.reasoning, 5);
  EXPECT_NEAR(t->cost_usd, 0.003, 1e-9);
  EXPECT_EQ(t->worktree_path, "/w/.boocode/worktrees/t_1");
  EXPECT_EQ(t->branch, "boocode/t_1");
}

TEST(TaskRepositoryTest, ChildrenCountsAndTheQueueInOrder) {
  fixture f;
  for (int i = 1; i <= 3; ++i)
    f.tasks.create(fixture::spawn("t_" + std::to_string(i), "call_" + std::to_string(i)));
  // t_1 spawned a child of its own (nesting).
  auto child = fixture::spawn("t_9", "call_1");
  child.parent_actor = "t_1";
  child.depth = 2;
  f.tasks.create(child);
  auto kids = f.tasks.children("t_1");
  ASSERT_EQ(kids.size(), 1u);
  EXPECT_EQ(kids[0].spawn.id, "t_9");
  EXPECT_EQ(kids[0].spawn.depth, 2);
  EXPECT_EQ(f.tasks.children("c_1").size(), 3u);
  EXPECT_EQ(f.tasks.for_chat("c_1").size(), 4u) << "a chat's tasks at every depth";

  f.tasks.start("t_2", "node-a");
  f.tasks.start("t_9", "node-b");
  EXPECT_EQ(f.tasks.running_for_chat("c_1"), 2);
  EXPECT_EQ(f.tasks.running_on_node("node-a"), 1);
  EXPECT_EQ(f.tasks.running_on_node("node-c"), 0);
  auto queued = f.tasks.queued(10);
  ASSERT_EQ(queued.size(), 2u);
  EXPECT_EQ(queued[0].spawn.id, "t_1") << "the oldest first";
  EXPECT_EQ(queued[1].spawn.id, "t_3");
  EXPECT_EQ(f.tasks.queued(1).size(), 1u);
  f.tasks.finish("t_2", task_state::failed, "", "the model failed", "t_2 failed");
  EXPECT_EQ(f.tasks.running_for_chat("c_1"), 1);
}

TEST(TaskRepositoryTest, ATaskNeedsItsChat) {
  fixture f;
  auto orphan = fixture::spawn("t_1", "call_1");
  orphan.chat_id = "c_nope";
  EXPECT_THROW(f.tasks.create(orphan), storage::storage_error);
  EXPECT_EQ(f.db.scalar("SELECT count(*) FROM tasks"), "0");
}
