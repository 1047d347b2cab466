// Approvals on a real PostgreSQL: a turn's journaled request, the answers
// any node stores for it (once), the checkpoint that ends them, and the
// chat's permissions.
#include <latch>
#include <thread>

#include <gtest/gtest.h>

#include "storage/approval_repository.hpp"
#include "storage/chat_repository.hpp"
#include "storage/session_repository.hpp"
#include "tests/support/sample_records.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;
using protocol::approval_decision;

namespace {

struct fixture {
  test::test_database db;
  storage::chat_repository chats{db.conninfo()};
  storage::session_repository sessions{db.conninfo()};
  storage::approval_repository approvals{db.conninfo()};
  storage::fence lease;

  /// Chat c_1's turn 1 waits on a run_command call: request `id`.
  fixture() {
    auto chat = test::sample_chat("c_1");
    chat.permissions.mode = protocol::permission_mode::ask;
    chats.create_chat(chat);
    lease = sessions.acquire_lease("c_1", "node-a");
    sessions.post("c_1", "build it", "m-1");
    sessions.begin_turn(lease, 1);
    sessions.journal(lease, 1, "t1.0", "approval",
                     {{"id", id},
                      {"call_id", "call_1"},
                      {"tool", "run_command"},
                      {"arguments", R"({"argv":["make"]})"},
                      {"reason", "ask"}});
  }
  std::string id = chat::approval_id(1, "t1.0");
};

} // namespace

TEST(ApprovalRepositoryTest, ARequestIsPendingUntilItsOneAnswer) {
  fixture f;
  auto pending = f.approvals.pending("c_1");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, f.id);
  EXPECT_EQ(pending[0].turn, 1);
  EXPECT_EQ(pending[0].tool, "run_command");
  EXPECT_EQ(pending[0].arguments, R"({"argv":["make"]})");
  EXPECT_EQ(f.chats.find_chat("c_1")->pending_approvals, 1);

  using state = storage::approval_repository::answer_state;
  auto unknown = f.approvals.answer("c_1", {"ap_9_t9.9", approval_decision::allow, "", "bob"});
  EXPECT_EQ(unknown.state, state::unknown);
  auto other_chat = f.approvals.answer("c_2", {f.id, approval_decision::allow, "", "bob"});
  EXPECT_EQ(other_chat.state, state::unknown);

  auto first = f.approvals.answer("c_1", {f.id, approval_decision::deny, "not now", "bob"});
  ASSERT_EQ(first.state, state::stored);
  EXPECT_EQ(first.entry.kind, chat::inbox_kind::approval_answer);
  auto second = f.approvals.answer("c_1", {f.id, approval_decision::allow, "", "alice"});
  EXPECT_EQ(second.state, state::already_answered);
  EXPECT_TRUE(f.approvals.pending("c_1").empty());
  EXPECT_EQ(f.chats.find_chat("c_1")->pending_approvals, 0);

  // The resumed turn finds the answer; it is no user message.
  auto img = f.sessions.load("c_1");
  ASSERT_TRUE(img && img->in_progress);
  auto answers = img->answers();
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].decision, approval_decision::deny);
  EXPECT_EQ(answers[0].note, "not now");
  for (auto& m : img->conversation())
    EXPECT_EQ(m.content.find("not now"), std::string::npos) << "an answer shown as a message";

  // The checkpoint stores no answer as a message and ends the request.
  storage::checkpoint_request req;
  req.turn = 1;
  req.state = {{"turn", 1}};
  EXPECT_EQ(f.sessions.checkpoint(f.lease, req), 0);
  auto after = f.sessions.load("c_1");
  ASSERT_TRUE(after);
  EXPECT_FALSE(after->in_progress);
  ASSERT_EQ(after->history.size(), 1u) << "only the user's message joins the history";
  EXPECT_EQ(after->history[0].content, "build it");
  EXPECT_EQ(f.approvals.answer("c_1", {f.id, approval_decision::allow, "", "bob"}).state,
            state::unknown);
}

// Browsers on several nodes answer at once: one answer is stored.
TEST(ApprovalRepositoryTest, ConcurrentAnswersStoreOne) {
  fixture f;
  constexpr int n = 6;
  std::vector<std::unique_ptr<storage::approval_repository>> nodes;
  for (int i = 0; i < n; ++i)
    nodes.push_back(std::make_unique<storage::approval_repository>(f.db.conninfo()));
  std::latch go{n};
  std::atomic<int> stored{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      auto r = nodes[static_cast<size_t>(i)]->answer(
        "c_1", {f.id, approval_decision::allow, "", "user" + std::to_string(i)});
      if (r.state == storage::approval_repository::answer_state::stored)
        ++stored;
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(stored.load(), 1);
}

TEST(ApprovalRepositoryTest, PermissionsAreStoredPatchedAndExtendedOnce) {
  fixture f;
  auto p = f.chats.permissions("c_1");
  EXPECT_EQ(p.mode, protocol::permission_mode::ask);
  EXPECT_TRUE(p.rules.empty());
  EXPECT_FALSE(p.network);
  chat::chat_patch patch;
  patch.permission_mode = protocol::permission_mode::auto_edit;
  patch.network = true;
  auto updated = f.chats.update_chat("c_1", patch);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->permissions.mode, protocol::permission_mode::auto_edit);
  EXPECT_TRUE(updated->permissions.network);
  EXPECT_EQ(updated->title, test::sample_chat("c_1").title) << "an absent member changes nothing";
  chat::allow_rule rule{{"npm", "test"}, ""};
  f.chats.add_allow_rule("c_1", rule);
  f.chats.add_allow_rule("c_1", rule);
  EXPECT_EQ(f.chats.permissions("c_1").rules, std::vector<chat::allow_rule>{rule});
  EXPECT_FALSE(f.chats.update_chat("c_404", patch));
  f.chats.archive_chat("c_1");
  EXPECT_FALSE(f.chats.update_chat("c_1", patch)) << "an archived chat does not change";
}
