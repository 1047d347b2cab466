// An idle chat (no turn, no subscriber) unloads after its passivation time,
// keeping its lease, epoch and frame seq; the next subscribe or message
// loads it again and its frames continue where they were: a browser that
// resumes from its last seq misses nothing and sees nothing twice. Moved
// while unloaded, it loads on the new node under a new epoch.
#include <caf/all.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/poll.hpp"
#include "storage/chat_repository.hpp"
#include "storage/session_repository.hpp"
#include "tests/actors/test_node.hpp"
#include "tests/support/sample_records.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;
using test::collector;
using test::test_node;

namespace {

/// What node `n`'s registry says of chat c_1.
protocol::actor_state state_of(test_node& n) {
  caf::scoped_actor self{*n.sys};
  auto out = protocol::actor_state::unknown;
  self->request(n.registry, 10s, inspect_atom::value, std::string("c_1"))
    .receive([&](protocol::actor_state s, const std::vector<std::string>&) { out = s; },
             [](caf::error&) {});
  return out;
}

/// The seqs of the chat frames (all but snapshots) that came after the
/// `nth` snapshot (1-based).
std::vector<int64_t> seqs_after_snapshot(collector& browser, size_t nth) {
  std::vector<int64_t> out;
  size_t snapshots = 0;
  for (auto& f : browser.all()) {
    if (f["type"] == "snapshot")
      ++snapshots;
    else if (snapshots >= nth && f.contains("seq"))
      out.push_back(f["seq"].get<int64_t>());
  }
  return out;
}

/// The seqs a browser last saw: its newest frame's.
int64_t last_seq(collector& browser) {
  int64_t seq = -1;
  for (auto& f : browser.all())
    if (f.contains("seq"))
      seq = f["seq"].get<int64_t>();
  return seq;
}

} // namespace

TEST(PassivationTest, AnIdleChatUnloadsThenContinuesItsFramesUnderTheSameEpoch) {
  test::test_database db;
  test::temp_dir workspace;
  test::create_chat(db, workspace);
  test_node n1{"n1", db.conninfo(), {.answers = 3, .passivate_after = 300ms}};
  ASSERT_EQ(storage::session_repository{db.conninfo()}.place("c_1", "default"), "n1");

  auto browser = std::make_shared<collector>();
  ASSERT_TRUE(std::holds_alternative<bool>(n1.chats->subscribe(browser, "c_1", {}, false)));
  n1.chats->post_message("c_1", "first", "m-1");
  ASSERT_TRUE(poll_until(20s, [&] { return browser->count("turn_end") == 1; }));
  auto epoch = browser->last("snapshot")["epoch"].get<int64_t>();
  auto seen = last_seq(*browser);
  // Watched, it stays loaded however long it idles.
  EXPECT_FALSE(poll_until(1s, [&] { return state_of(n1) == protocol::actor_state::unloaded; }));
  const auto& counts = *n1.deps->counts;
  EXPECT_EQ(counts.loaded(protocol::actor_kind::session), 1);
  EXPECT_EQ(counts.unloaded(protocol::actor_kind::session), 0);

  // Nobody watches: it unloads, its seq saved, its lease and epoch kept.
  n1.chats->unsubscribe(browser->id(), "c_1");
  ASSERT_TRUE(poll_until(10s, [&] { return state_of(n1) == protocol::actor_state::unloaded; }));
  // The node's metrics count it passivated, no longer loaded.
  EXPECT_EQ(counts.loaded(protocol::actor_kind::session), 0);
  EXPECT_EQ(counts.unloaded(protocol::actor_kind::session), 1);
  EXPECT_EQ(counts.sessions_unloaded(), 1);
  EXPECT_EQ(db.scalar("SELECT last_seq FROM chats WHERE id = 'c_1'"), std::to_string(seen));
  EXPECT_EQ(db.scalar("SELECT epoch FROM actor_leases WHERE actor_id = 'c_1'"),
            std::to_string(epoch));
  EXPECT_EQ(db.scalar("SELECT node_id FROM actor_leases WHERE actor_id = 'c_1'"), "n1");

  // The browser comes back from where it was: a resumed snapshot at its seq.
  ASSERT_TRUE(std::holds_alternative<bool>(
    n1.chats->subscribe(browser, "c_1", {.after_seq = seen, .epoch = epoch}, false)));
  ASSERT_TRUE(poll_until(10s, [&] { return browser->count("snapshot") == 2; }));
  auto resumed = browser->last("snapshot");
  EXPECT_EQ(resumed["resumed"], true);
  EXPECT_EQ(resumed["seq"], seen);
  EXPECT_EQ(resumed["epoch"], epoch);
  EXPECT_NE(state_of(n1), protocol::actor_state::unloaded);

  // Its next turn's frames follow on, one seq each, none twice.
  n1.chats->post_message("c_1", "second", "m-2");
  ASSERT_TRUE(poll_until(20s, [&] { return browser->count("turn_end") == 2; }));
  auto seqs = seqs_after_snapshot(*browser, 2);
  ASSERT_FALSE(seqs.empty());
  for (size_t i = 0; i < seqs.size(); ++i)
    EXPECT_EQ(seqs[i], seen + 1 + static_cast<int64_t>(i)) << "frame " << i;

  // A message to the unloaded chat (nobody watching) wakes it and is answered.
  n1.chats->unsubscribe(browser->id(), "c_1");
  ASSERT_TRUE(poll_until(10s, [&] { return state_of(n1) == protocol::actor_state::unloaded; }));
  n1.chats->post_message("c_1", "third", "m-3");
  ASSERT_TRUE(poll_until(20s, [&] { return db.scalar("SELECT count(*) FROM chat_turns") == "3"; }));
  auto history = storage::chat_repository{db.conninfo()}.messages("c_1");
  ASSERT_EQ(history.size(), 6u);
  EXPECT_EQ(history[5].content, "answer 3");
  EXPECT_EQ(db.scalar("SELECT epoch FROM actor_leases WHERE actor_id = 'c_1'"),
            std::to_string(epoch));
}

// A message wakes the unloaded chat and a browser subscribes while it is
// still loading: the browser resumes from its seq and gets every frame of the
// turn once, in order.
TEST(PassivationTest, ABrowserSubscribingWhileTheChatReloadsMissesNothing) {
  test::test_database db;
  test::temp_dir workspace;
  test::create_chat(db, workspace);
  test_node n1{"n1", db.conninfo(), {.answers = 2, .passivate_after = 300ms}};
  ASSERT_EQ(storage::session_repository{db.conninfo()}.place("c_1", "default"), "n1");
  auto browser = std::make_shared<collector>();
  ASSERT_TRUE(std::holds_alternative<bool>(n1.chats->subscribe(browser, "c_1", {}, false)));
  n1.chats->post_message("c_1", "first", "m-1");
  ASSERT_TRUE(poll_until(20s, [&] { return browser->count("turn_end") == 1; }));
  auto epoch = browser->last("snapshot")["epoch"].get<int64_t>();
  auto seen = last_seq(*browser);
  n1.chats->unsubscribe(browser->id(), "c_1");
  ASSERT_TRUE(poll_until(10s, [&] { return state_of(n1) == protocol::actor_state::unloaded; }));

  n1.chats->post_message("c_1", "second", "m-2"); // starts the reload
  ASSERT_TRUE(std::holds_alternative<bool>(
    n1.chats->subscribe(browser, "c_1", {.after_seq = seen, .epoch = epoch}, false)));
  ASSERT_TRUE(poll_until(20s, [&] { return browser->count("turn_end") == 2; }));
  auto resumed = browser->all();
  size_t snapshots = 0;
  for (auto& f : resumed)
    snapshots += f["type"] == "snapshot" ? 1 : 0;
  ASSERT_EQ(snapshots, 2u);
  EXPECT_EQ(browser->last("snapshot")["resumed"], true);
  EXPECT_EQ(browser->last("snapshot")["epoch"], epoch);
  auto seqs = seqs_after_snapshot(*browser, 2);
  ASSERT_FALSE(seqs.empty());
  for (size_t i = 0; i < seqs.size(); ++i)
    EXPECT_EQ(seqs[i], seen + 1 + static_cast<int64_t>(i)) << "frame " << i;
  EXPECT_EQ(browser->count("ack"), 2u); // the second message's ack was not missed
}

TEST(PassivationTest, AnUnloadedChatMovesAndLoadsOnTheNewNodeWithEverything) {
  test::test_database db;
  test::temp_dir workspace;
  test::create_chat(db, workspace);
  test_node n1{"n1", db.conninfo(), {.answers = 3, .passivate_after = 300ms}};
  test_node n2{"n2", db.conninfo(), {.answers = 3, .passivate_after = 300ms}};
  n1.link(n2); // as n1's cluster monitor would
  ASSERT_EQ(storage::session_repository{db.conninfo()}.place("c_1", "default"), "n1");

  auto browser = std::make_shared<collector>();
  ASSERT_TRUE(std::holds_alternative<bool>(n2.chats->subscribe(browser, "c_1", {}, false)));
  n2.chats->post_message("c_1", "first", "m-1");
  ASSERT_TRUE(poll_until(20s, [&] { return browser->count("turn_end") == 1; }));
  auto epoch = browser->last("snapshot")["epoch"].get<int64_t>();
  auto seen = last_seq(*browser);
  n2.chats->unsubscribe(browser->id(), "c_1");
  ASSERT_TRUE(poll_until(10s, [&] { return state_of(n1) == protocol::actor_state::unloaded; }));

  auto moved = n1.ask<bool>(migrate_atom::value, std::string("c_1"), std::string("n2"));
  ASSERT_TRUE(moved) << n1.sys->render(moved.error());
  EXPECT_TRUE(*moved);
  EXPECT_EQ(db.scalar("SELECT node_id FROM actor_leases WHERE actor_id = 'c_1'"), "n2");

  // The browser resumes through n1: a full snapshot under the new epoch
  // (the old epoch's frames are not the new one's), then the new frames.
  ASSERT_TRUE(std::holds_alternative<bool>(
    n1.chats->subscribe(browser, "c_1", {.after_seq = seen, .epoch = epoch}, false)));
  ASSERT_TRUE(poll_until(10s, [&] { return browser->count("snapshot") == 2; }));
  auto snap = browser->last("snapshot");
  EXPECT_GT(snap["epoch"].get<int64_t>(), epoch);
  EXPECT_EQ(snap["resumed"], false);
  EXPECT_EQ(snap["messages"].size(), 2u);
  auto at = snap["seq"].get<int64_t>();
  EXPECT_GE(at, seen);
  n1.chats->post_message("c_1", "second", "m-2");
  ASSERT_TRUE(poll_until(20s, [&] { return browser->count("turn_end") == 2; }));
  auto seqs = seqs_after_snapshot(*browser, 2);
  ASSERT_FALSE(seqs.empty());
  for (size_t i = 0; i < seqs.size(); ++i)
    EXPECT_EQ(seqs[i], at + 1 + static_cast<int64_t>(i)) << "frame " << i;
}
