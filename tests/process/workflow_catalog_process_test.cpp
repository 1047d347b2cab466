// The built-in catalog end to end: each workflow started by name over REST on
// a real node, its agents answered by a fake OpenAI endpoint the way a model
// would (objects for schemas, real tool calls where the workflow needs the
// workspace). What each run asks, logs and returns.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/process/workflow_process_fixture.hpp"

using namespace boocode;
using nlohmann::json;
using test::content_of;
using test::fake_reply;
using test::first_prompt;
using test::text;

namespace {

/// The text between `from` and the next `to` in `s` ("" when absent).
std::string between(const std::string& s, const std::string& from, char to) {
  auto at = s.find(from);
  if (at == std::string::npos)
    return "";
  at += from.size();
  return s.substr(at, s.find(to, at) - at);
}

std::vector<std::string> texts(const json& view, const char* field) {
  std::vector<std::string> out;
  for (const auto& v : view[field])
    out.push_back(v.is_string() ? v.get<std::string>() : v["text"].get<std::string>());
  return out;
}

fake_reply tool(const std::string& name, const json& args) {
  fake_reply r = fake_reply::tool_reply(name, args.dump());
  r.usage = {{"prompt_tokens", 50}, {"completion_tokens", 5}, {"total_tokens", 55}};
  return r;
}

} // namespace

class WorkflowCatalogProcessTest : public WorkflowProcessTest {
protected:
  json run_builtin(const std::string& name, const json& args) {
    auto res = start_run({{"workspace", workspace_.string()}, {"name", name}, {"args", args}});
    EXPECT_EQ(res.status, 201) << res.body;
    if (res.status != 201)
      return json::object();
    return wait_ended(res.json()["id"].get<std::string>());
  }
};

// Scope names two areas, each explorer reports one claim, the verifier
// confirms one and refutes the other, and the synthesis sees only the
// confirmed one.
TEST_F(WorkflowCatalogProcessTest, DeepResearchScopesExploresVerifiesAndAnswers) {
  model_.set_responder([](const json& body) -> std::optional<fake_reply> {
    auto p = first_prompt(body);
    if (p.starts_with("Plan research"))
      return text(R"({"areas": [{"title": "usage", "focus": "the usage reader"},
                                {"title": "tasks", "focus": "the task totals"}]})");
    if (p.starts_with("Question:")) {
      auto area = between(p, "area of the code: ", '.');
      return text(
        json{{"claims",
              {{{"claim", "tokens are summed in " + area}, {"references", {area + ".cpp:12"}}}}}}
          .dump());
    }
    if (p.starts_with("Verify this claim"))
      return text(p.find("usage.cpp") != std::string::npos
                    ? R"({"verdict": "confirmed", "note": "line 12 adds them"})"
                    : R"({"verdict": "refuted"})");
    if (p.starts_with("Answer this question"))
      return text("They are summed in usage.cpp:12.");
    return text("?");
  });
  auto view = run_builtin("deep-research", {{"question", "Where are tokens summed?"}});
  ASSERT_EQ(view["state"], "completed") << view.dump();
  EXPECT_EQ(texts(view, "phases"),
            (std::vector<std::string>{"Scope", "Explore", "Verify", "Synthesize"}));
  EXPECT_EQ(texts(view, "logs"),
            (std::vector<std::string>{"2 areas: usage, tasks", "2 claims to verify"}));
  const auto& r = view["result"];
  EXPECT_EQ(r["question"], "Where are tokens summed?");
  EXPECT_EQ(r["answer"], "They are summed in usage.cpp:12.");
  ASSERT_EQ(r["claims"].size(), 2u) << r.dump();
  EXPECT_EQ(r["claims"][0]["verdict"], "confirmed");
  EXPECT_EQ(r["claims"][0]["note"], "line 12 adds them");
  EXPECT_EQ(r["claims"][1]["verdict"], "refuted");
  EXPECT_EQ(view["steps"].size(), 6u) << "scope, 2 explorers, 2 verifiers, the synthesis";
  auto synthesis = prompts("Answer this question");
  ASSERT_EQ(synthesis.size(), 1u);
  EXPECT_NE(synthesis[0].find("summed in usage"), std::string::npos);
  EXPECT_EQ(synthesis[0].find("summed in tasks"), std::string::npos) << "refuted: left out";
}

// Four reviewers in parallel; the tests reviewer never answers with an
// object (asked again 3 times, then its agent() throws and parallel() gives
// null);
// the merge gets the other findings with their aspects.
TEST_F(WorkflowCatalogProcessTest, MultiReviewMergesTheReviewersFindings) {
  model_.set_responder([](const json& body) -> std::optional<fake_reply> {
    auto p = first_prompt(body);
    if (p.find("for correctness:") != std::string::npos)
      return text(R"({"findings": [{"severity": "high", "file": "a.cpp", "line": 3,
        "title": "off by one", "detail": "the loop reads past the end"}]})");
    if (p.find("for security:") != std::string::npos)
      return text(R"({"findings": [{"severity": "critical", "file": "b.cpp",
        "title": "path traversal", "detail": "the path is not checked"}]})");
    if (p.find("for tests:") != std::string::npos)
      return text("I looked and it is fine.");
    if (p.find("for style:") != std::string::npos)
      return text(R"({"findings": []})");
    if (p.starts_with("Merge these code review findings"))
      return text(R"({"summary": "Two problems.", "findings": [{"severity": "critical",
        "file": "b.cpp", "title": "path traversal", "detail": "d"}, {"severity": "high",
        "file": "a.cpp", "line": 3, "title": "off by one", "detail": "d"}]})");
    return text("?");
  });
  auto view = run_builtin("multi-review", {{"base", "main"}, {"focus", "the parser"}});
  ASSERT_EQ(view["state"], "completed") << view.dump();
  EXPECT_EQ(texts(view, "phases"), (std::vector<std::string>{"Review", "Merge"}));
  EXPECT_EQ(texts(view, "logs"),
            (std::vector<std::string>{"parallel item 2 failed: schema mismatch after 4 answers: "
                                      "the answer holds no JSON object",
                                      "no review for: tests"}));
  EXPECT_EQ(view["result"]["summary"], "Two problems.");
  EXPECT_EQ(view["result"]["findings"].size(), 2u);
  auto reviews = prompts("Review the changes");
  ASSERT_EQ(reviews.size(), 4u + 3u) << "four reviewers; the tests one asked again 3 times";
  for (const auto& p : reviews) {
    EXPECT_NE(p.find(R"(["git", "diff", "main"])"), std::string::npos) << p;
    EXPECT_NE(p.find("Look closely at: the parser"), std::string::npos) << p;
  }
  auto merge = prompts("Merge these code review findings");
  ASSERT_EQ(merge.size(), 1u);
  EXPECT_NE(merge[0].find(R"("aspect": "correctness")"), std::string::npos) << merge[0];
  EXPECT_NE(merge[0].find(R"("aspect": "security")"), std::string::npos) << merge[0];
  for (const auto& s : view["steps"])
    if (s["label"] == "review: tests")
      EXPECT_EQ(s["state"], "failed") << s.dump();
}

// The test command really runs (run_command) and fails; a diagnosis; the fix
// really writes the file (write_file); the re-run passes.
TEST_F(WorkflowCatalogProcessTest, FixFailingTestsRunsDiagnosesFixesAndRunsAgain) {
  const json command = {"sh", "-c",
                        "test -f fixed.txt && echo 'all passed' || "
                        "{ echo 'FAIL parser_test: fixed.txt is missing'; exit 1; }"};
  model_.set_responder([&command](const json& body) -> std::optional<fake_reply> {
    auto p = first_prompt(body);
    const auto& last = body["messages"].back();
    bool after_tool = last["role"] == "tool";
    if (p.starts_with("Run the tests")) {
      if (!after_tool)
        return tool("run_command", {{"argv", command}});
      return text(content_of(last).find("FAIL parser_test") != std::string::npos
                    ? R"({"failures": [{"test": "parser_test", "error": "fixed.txt is missing"}]})"
                    : R"({"failures": []})");
    }
    if (p.starts_with("This test fails"))
      return text(R"({"cause": "the file is missing", "fix": "create fixed.txt"})");
    if (p.starts_with("Apply this fix"))
      return after_tool ? text("Created fixed.txt.")
                        : tool("write_file", {{"path", "fixed.txt"}, {"content", "ok\n"}});
    return text("?");
  });
  auto view = run_builtin("fix-failing-tests", {{"command", command}});
  ASSERT_EQ(view["state"], "completed") << view.dump();
  EXPECT_EQ(texts(view, "phases"), (std::vector<std::string>{"Run", "Diagnose", "Fix", "Re-run"}));
  EXPECT_EQ(texts(view, "logs"), (std::vector<std::string>{"1 failing; diagnosing 1"}));
  const auto& r = view["result"];
  ASSERT_EQ(r["fixed"].size(), 1u) << r.dump();
  EXPECT_EQ(r["fixed"][0]["test"], "parser_test");
  EXPECT_EQ(r["fixed"][0]["fix"], "create fixed.txt");
  EXPECT_EQ(r["before"].size(), 1u);
  EXPECT_EQ(r["after"], json::array()) << "the re-run passes";
  EXPECT_TRUE(std::filesystem::exists(workspace_ / "fixed.txt"));
  EXPECT_EQ(view["steps"].size(), 4u) << "run, diagnose, fix, re-run";
}
