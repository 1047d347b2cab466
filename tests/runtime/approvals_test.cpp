// Permission modes and approvals: the rules as plain logic, and the kernel
// stopping at a call that waits for a decision and going on with the answer.
#include "runtime/chat/permissions.hpp"
#include "tests/runtime/fake_agent.hpp"

using namespace boocode;
using namespace boocode::test;
using protocol::approval_decision;
using protocol::permission_mode;

namespace {

json args(const char* text) {
  return json::parse(text);
}

chat_permissions mode(permission_mode m, std::vector<allow_rule> rules = {}) {
  return {m, std::move(rules), false, {}};
}

std::vector<std::string> names(const fake_io& io) {
  return io.frame_types();
}

} // namespace

TEST(PermissionsTest, EachModeAsksForWhatItNames) {
  auto cmd = args(R"({"argv":["rm","-rf","build"]})");
  auto write = args(R"({"path":"src/a.c","content":"x"})");
  auto read = args(R"({"path":"src/a.c"})");
  EXPECT_TRUE(approval_reason(mode(permission_mode::ask), "run_command", cmd));
  EXPECT_TRUE(approval_reason(mode(permission_mode::ask), "write_file", write));
  EXPECT_TRUE(approval_reason(mode(permission_mode::ask), "edit_file", write));
  EXPECT_FALSE(approval_reason(mode(permission_mode::ask), "read_file", read));
  EXPECT_FALSE(approval_reason(mode(permission_mode::ask), "search", read));
  EXPECT_TRUE(approval_reason(mode(permission_mode::auto_edit), "run_command", cmd));
  EXPECT_FALSE(approval_reason(mode(permission_mode::auto_edit), "write_file", write));
  EXPECT_FALSE(approval_reason(mode(permission_mode::allow), "run_command", cmd));
  EXPECT_NE(approval_reason(mode(permission_mode::ask), "run_command", cmd)->find("ask"),
            std::string::npos);
}

TEST(PermissionsTest, RulesLetMatchingCallsThroughAndNoOthers) {
  auto p = mode(permission_mode::ask, {{{"npm", "test"}, ""}, {{}, "src/*"}});
  EXPECT_FALSE(approval_reason(p, "run_command", args(R"({"argv":["npm","test"]})")));
  EXPECT_FALSE(approval_reason(p, "run_command", args(R"({"argv":["npm","test","--","-u"]})")));
  EXPECT_TRUE(approval_reason(p, "run_command", args(R"({"argv":["npm","install"]})")));
  EXPECT_TRUE(approval_reason(p, "run_command", args(R"({"argv":["npm"]})")));
  EXPECT_FALSE(approval_reason(p, "write_file", args(R"({"path":"src/deep/a.c"})")));
  EXPECT_FALSE(approval_reason(p, "edit_file", args(R"({"path":"./src/a.c"})")));
  EXPECT_TRUE(approval_reason(p, "write_file", args(R"({"path":"src/../Makefile"})")));
  EXPECT_TRUE(approval_reason(p, "write_file", args(R"({"path":"../src/a.c"})")));
  EXPECT_TRUE(approval_reason(p, "write_file", args(R"({"path":"/etc/src/a"})")));
  // A command rule is no write rule, and the other way round.
  EXPECT_TRUE(approval_reason(p, "write_file", args(R"({"path":"npm"})")));
  EXPECT_TRUE(approval_reason(p, "run_command", args(R"({"argv":["src/x"]})")));
}

TEST(PermissionsTest, AlwaysAllowAddsANarrowRule) {
  auto rule = [](const char* tool, const char* a) { return *rule_for(tool, args(a)); };
  EXPECT_EQ(rule("run_command", R"({"argv":["npm","test","--","-u"]})").argv_prefix,
            (std::vector<std::string>{"npm", "test"}));
  EXPECT_EQ(rule("run_command", R"({"argv":["make"]})").argv_prefix,
            (std::vector<std::string>{"make"}));
  // An option or a path after the program: only this very command.
  EXPECT_EQ(rule("run_command", R"({"argv":["sh","-c","rm -rf /"]})").argv_prefix,
            (std::vector<std::string>{"sh", "-c", "rm -rf /"}));
  EXPECT_EQ(rule("run_command", R"({"argv":["python3","./x.py"]})").argv_prefix,
            (std::vector<std::string>{"python3", "./x.py"}));
  EXPECT_EQ(rule("write_file", R"({"path":"src/app/main.ts"})").path_glob, "src/app/*");
  EXPECT_EQ(rule("edit_file", R"({"path":"README.md"})").path_glob, "*");
  EXPECT_FALSE(rule_for("write_file", args(R"({"path":"../x"})")));
  EXPECT_FALSE(rule_for("read_file", args(R"({"path":"x"})")));
  std::vector<allow_rule> rules;
  EXPECT_TRUE(add_rule(rules, rule("edit_file", R"({"path":"a"})")));
  EXPECT_FALSE(add_rule(rules, rule("write_file", R"({"path":"b"})")));
  EXPECT_EQ(rules.size(), 1u);
}

TEST(PermissionsTest, RulesAndAnswersReadBackAndRefuseWhatIsMalformed) {
  std::string why;
  for (auto bad :
       {R"([])", R"({})", R"({"argv_prefix":[]})", R"({"argv_prefix":[1]})", R"({"path_glob":""})",
        R"({"path_glob":"a","argv_prefix":["b"]})", R"({"other":"x"})"}) {
    why.clear();
    EXPECT_FALSE(read_rule(json::parse(bad), why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
  std::vector<allow_rule> rules{{{"git", "status"}, ""}, {{}, "docs/*"}};
  EXPECT_EQ(read_rules(to_json(rules)), rules);
  approval_answer a{"ap_3_tool_1_0", approval_decision::allow_always, "ok", "alice"};
  auto back = read_answer(to_text(a));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, a.id);
  EXPECT_EQ(back->decision, approval_decision::allow_always);
  EXPECT_EQ(back->user, "alice");
  EXPECT_FALSE(read_answer(R"({"id":"x","decision":"maybe"})"));
  EXPECT_FALSE(read_answer("not json"));
}

TEST(PermissionsTest, ChatVariablesAreNamesOutsideTheFixedEnvironment) {
  EXPECT_FALSE(variable_error("NPM_TOKEN", "abc"));
  EXPECT_FALSE(variable_error("_x1", ""));
  for (auto bad : {"", "1X", "A-B", "A B", "PATH", "HOME", "TMPDIR"})
    EXPECT_TRUE(variable_error(bad, "v")) << bad;
  EXPECT_TRUE(variable_error("BIG", std::string(5000, 'x')));
  EXPECT_TRUE(variable_error("NUL", std::string("a\0b", 3)));
  EXPECT_EQ(environment_entries({{"B", "2"}, {"A", "1"}}),
            (std::vector<std::string>{"A=1", "B=2"}));
}

TEST(ApprovalKernelTest, ACallThatMustAskStopsTheTurnWithItsRequestJournaled) {
  fake_io io;
  io.perms = mode(permission_mode::ask);
  io.replies.push_back(
    reply("looking, then building",
          {{"c1", "read_file", R"({"path":"a"})"}, {"c2", "run_command", R"({"argv":["make"]})"}}));
  auto history = user_says("build it");
  cancel_token cancel;
  auto sum = run_turn({"sys", std::nullopt}, 1, history, io, cancel);
  EXPECT_TRUE(sum.waiting);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::interrupted);
  EXPECT_EQ(io.tools_run, (std::vector<std::string>{"read_file"})) << "make ran unasked";
  auto request = io.journal.find(tool_step(1, 1), "approval");
  ASSERT_NE(request, nullptr);
  EXPECT_EQ(request->data["id"], approval_id(1, tool_step(1, 1)));
  EXPECT_EQ(request->data["tool"], "run_command");
  EXPECT_EQ(io.journal.find(tool_step(1, 1), "intent"), nullptr)
    << "an intent before the answer would make the resumed call look interrupted";
  EXPECT_EQ(names(io), (std::vector<std::string>{"turn_start", "message", "tool_call",
                                                 "tool_result", "message", "approval_request"}));
  auto& frame = io.frames.back().second;
  EXPECT_EQ(frame["call_id"], "c2");
  EXPECT_EQ(frame["arguments"], R"({"argv":["make"]})");
  EXPECT_NE(frame["reason"].get<std::string>().find("commands"), std::string::npos);
}

// The same turn resumed from its journal with each answer: replayed steps
// are not done again, the request is not journaled twice.
class ApprovalAnswerTest : public ::testing::TestWithParam<approval_decision> {};

TEST_P(ApprovalAnswerTest, TheResumedTurnGoesOnWithTheAnswer) {
  fake_io first;
  first.perms = mode(permission_mode::ask);
  first.replies.push_back(
    reply("writing", {{"c1", "write_file", R"({"path":"src/a.c","content":"x"})"}}));
  auto history = user_says("write it");
  cancel_token cancel;
  ASSERT_TRUE(run_turn({"sys", std::nullopt}, 1, history, first, cancel).waiting);
  auto id = approval_id(1, tool_step(1, 0));

  fake_io again;
  again.perms = first.perms;
  again.replies.push_back(reply("Done."));
  auto resumed = user_says("write it");
  auto sum = run_turn({"sys", std::nullopt}, 1, resumed, again, cancel, nullptr, &first.journal,
                      {{id, GetParam(), "not in src", "bob"}});
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::completed);
  EXPECT_EQ(again.prompts.size(), 1u) << "the journaled reply was asked for again";
  EXPECT_EQ(again.journal.find(tool_step(1, 0), "approval"), nullptr);
  auto result = again.stored.at(0);
  if (GetParam() == approval_decision::deny) {
    EXPECT_TRUE(again.tools_run.empty());
    EXPECT_EQ(result.outcome, tools::tool_outcome::denied);
    EXPECT_NE(result.content.find("not in src"), std::string::npos) << result.content;
  } else {
    EXPECT_EQ(again.tools_run, (std::vector<std::string>{"write_file"}));
    EXPECT_EQ(result.outcome, tools::tool_outcome::ok);
  }
  if (GetParam() == approval_decision::allow_always)
    EXPECT_EQ(again.added_rules, (std::vector<allow_rule>{{{}, "src/*"}}));
  else
    EXPECT_TRUE(again.added_rules.empty());
}

INSTANTIATE_TEST_SUITE_P(EachDecision, ApprovalAnswerTest,
                         ::testing::Values(approval_decision::allow, approval_decision::deny,
                                           approval_decision::allow_always));

TEST(ApprovalKernelTest, AResumeWithoutTheAnswerAsksAgainWithTheSameId) {
  fake_io first;
  first.perms = mode(permission_mode::auto_edit);
  first.replies.push_back(reply("testing", {{"c1", "run_command", R"({"argv":["npm","test"]})"}}));
  auto history = user_says("test");
  cancel_token cancel;
  ASSERT_TRUE(run_turn({"sys", std::nullopt}, 4, history, first, cancel).waiting);
  fake_io again;
  again.perms = first.perms;
  auto resumed = user_says("test");
  auto sum = run_turn({"sys", std::nullopt}, 4, resumed, again, cancel, nullptr, &first.journal);
  EXPECT_TRUE(sum.waiting);
  EXPECT_TRUE(again.prompts.empty());
  EXPECT_TRUE(again.tools_run.empty());
  EXPECT_EQ(again.commits, 0) << "the request was journaled twice";
  EXPECT_EQ(again.frames.back().first, "approval_request");
  EXPECT_EQ(again.frames.back().second["id"], approval_id(4, tool_step(1, 0)));
}

TEST(ApprovalKernelTest, ACancelWhileWaitingGivesTheCallAResultAndEndsTheTurn) {
  fake_io first;
  first.perms = mode(permission_mode::ask);
  first.replies.push_back(reply("deploying", {{"c1", "run_command", R"({"argv":["make"]})"}}));
  auto history = user_says("go");
  cancel_token cancel;
  ASSERT_TRUE(run_turn({"sys", std::nullopt}, 1, history, first, cancel).waiting);
  fake_io again;
  again.perms = first.perms;
  cancel_token cancelled;
  cancelled.cancel();
  auto resumed = user_says("go");
  auto sum = run_turn({"sys", std::nullopt}, 1, resumed, again, cancelled, nullptr, &first.journal);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::cancelled);
  EXPECT_FALSE(sum.waiting);
  EXPECT_TRUE(again.tools_run.empty());
  ASSERT_EQ(again.stored.size(), 1u);
  EXPECT_EQ(again.stored[0].outcome, tools::tool_outcome::cancelled);
  EXPECT_EQ(again.stored[0].tool_call_id, "c1");
}

TEST(ApprovalKernelTest, RulesAndReadOnlyRepliesNeverAsk) {
  fake_io io;
  io.perms = mode(permission_mode::ask, {{{"make"}, ""}});
  io.replies.push_back(reply("building", {{"c1", "run_command", R"({"argv":["make","-j2"]})"},
                                          {"c2", "read_file", R"({"path":"a"})"}}));
  io.replies.push_back(reply("Built."));
  auto history = user_says("build");
  cancel_token cancel;
  auto sum = run_turn({"sys", std::nullopt}, 1, history, io, cancel);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::completed);
  EXPECT_EQ(io.tools_run, (std::vector<std::string>{"run_command", "read_file"}));
}
