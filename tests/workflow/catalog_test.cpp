// The built-in catalog, each script run in the sandbox against a responder
// that answers its agents by label the way a model would (objects matching
// each step's schema): what each script asks, in which phases, and what it
// returns. (tests/process runs them end to end through a node.)
#include <gtest/gtest.h>

#include "runtime/workflow/discovery.hpp"
#include "runtime/workflow/structured_answer.hpp"
#include "tests/sandbox/script_host.hpp"

using namespace boocode;
using namespace boocode::sandbox;
using json = nlohmann::json;
namespace sbt = boocode::sandbox::testing;

namespace {

std::string builtin(const std::string& file) {
  for (const auto& b : workflow::builtin_workflows())
    if (b.file == file)
      return b.source;
  ADD_FAILURE() << "no built-in " << file;
  return {};
}

std::string label_of(const host_call& c) {
  return c.spec.value("label", "");
}
std::string prompt_of(const host_call& c) {
  return c.spec.at("prompt").get<std::string>();
}

// Answers through `answer`, and checks every schema and every answer to one.
sbt::responder checked(std::function<json(const host_call&)> answer) {
  return [answer](const host_call& c) -> std::optional<json> {
    auto value = answer(c);
    if (auto schema = c.spec.find("schema"); schema != c.spec.end() && !value.is_null()) {
      EXPECT_FALSE(workflow::schema_problem(*schema)) << label_of(c);
      auto mismatch = workflow::schema_mismatch(*schema, value);
      EXPECT_FALSE(mismatch) << label_of(c) << ": " << mismatch.value_or("");
    }
    return value;
  };
}

std::vector<std::string> phases(sbt::script_host& host) {
  std::vector<std::string> out;
  for (const auto& e : host.events())
    if (e.what == run_event::kind::phase)
      out.push_back(e.text);
  return out;
}

} // namespace

TEST(CatalogTest, EveryBuiltInChecksAndNamesItsPhases) {
  ASSERT_EQ(workflow::builtin_workflows().size(), 3u);
  for (const auto& b : workflow::builtin_workflows()) {
    auto checked = sbt::shared_engine().check(b.file, b.source);
    ASSERT_TRUE(std::holds_alternative<checked_script>(checked))
      << b.file << ": " << std::get<script_problem>(checked).describe();
    const auto& meta = std::get<checked_script>(checked).meta;
    EXPECT_EQ(meta.name + ".js", b.file);
    EXPECT_FALSE(meta.description.empty());
    EXPECT_GE(meta.phases.size(), 2u);
  }
}

TEST(CatalogTest, DeepResearchVerifiesEachClaimAndAnswersFromConfirmedOnes) {
  std::string synthesis_prompt;
  auto host = sbt::start_script(
    builtin("deep-research.js"), {{"question", "How are leases fenced?"}},
    checked([&](const host_call& c) -> json {
      const auto label = label_of(c);
      if (label == "scope")
        return json::parse(R"({"areas": [{"title": "storage", "focus": "lease SQL"},
                                         {"title": "actors", "focus": "who checks epochs"}]})");
      if (label == "explore: storage")
        return json::parse(R"({"claims": [{"claim": "A", "references": ["storage/a.cpp:1"]}]})");
      if (label == "explore: actors")
        return json::parse(R"({"claims": [{"claim": "B", "references": []},
                                          {"claim": "C", "references": ["actors/c.cpp:9"]}]})");
      if (label == "verify")
        return prompt_of(c).find("Claim: B") != std::string::npos
                 ? json::parse(R"({"verdict": "refuted", "note": "no such check"})")
                 : json::parse(R"({"verdict": "confirmed"})");
      if (label == "synthesis") {
        synthesis_prompt = prompt_of(c);
        return "Leases are fenced by epoch (storage/a.cpp:1).";
      }
      ADD_FAILURE() << "unexpected step " << label;
      return nullptr;
    }));
  const auto end = host->wait_end();
  ASSERT_EQ(end.state, end_state::completed) << end.error;
  EXPECT_EQ(phases(*host), (std::vector<std::string>{"Scope", "Explore", "Verify", "Synthesize"}));
  EXPECT_EQ(end.result.at("answer"), "Leases are fenced by epoch (storage/a.cpp:1).");
  ASSERT_EQ(end.result.at("claims").size(), 3u);
  EXPECT_EQ(end.result.at("claims")[1].at("verdict"), "refuted");
  EXPECT_NE(synthesis_prompt.find("\"C\""), std::string::npos);
  EXPECT_EQ(synthesis_prompt.find("\"B\""), std::string::npos); // refuted claims stay out
  EXPECT_EQ(host->calls().size(), 7u);                          // scope, 2 explore, 3 verify, 1
}

TEST(CatalogTest, DeepResearchWithoutAQuestionFailsClearly) {
  auto host = sbt::start_script(builtin("deep-research.js"), json::object());
  const auto end = host->wait_end();
  EXPECT_EQ(end.state, end_state::failed);
  EXPECT_NE(end.error.find("needs a question"), std::string::npos) << end.error;
}

TEST(CatalogTest, MultiReviewRunsFourReviewersAndMergesWhatTheyFound) {
  std::string merge_prompt;
  auto host = sbt::start_script(
    builtin("multi-review.js"), {{"base", "main"}}, checked([&](const host_call& c) -> json {
      const auto label = label_of(c);
      if (label == "review: security") // this reviewer failed for good
        return nullptr;
      if (label.rfind("review: ", 0) == 0) {
        EXPECT_NE(prompt_of(c).find(R"(["git", "diff", "main"])"), std::string::npos);
        return json{{"findings",
                     {{{"severity", label == "review: correctness" ? "high" : "low"},
                       {"file", "a.cpp"},
                       {"line", 3},
                       {"title", label},
                       {"detail", "d"}}}}};
      }
      if (label == "merge") {
        merge_prompt = prompt_of(c);
        return json::parse(R"({"summary": "One bug.", "findings": [{"severity": "high",
          "file": "a.cpp", "line": 3, "title": "off by one", "detail": "d"}]})");
      }
      ADD_FAILURE() << "unexpected step " << label;
      return nullptr;
    }));
  const auto end = host->wait_end();
  ASSERT_EQ(end.state, end_state::completed) << end.error;
  EXPECT_EQ(end.result.at("summary"), "One bug.");
  EXPECT_EQ(host->calls().size(), 5u);
  EXPECT_NE(merge_prompt.find("\"aspect\": \"tests\""), std::string::npos);
  EXPECT_EQ(merge_prompt.find("\"aspect\": \"security\""), std::string::npos);
  bool told = false;
  for (const auto& e : host->events())
    told = told || e.text == "no review for: security";
  EXPECT_TRUE(told);
}

TEST(CatalogTest, FixFailingTestsDiagnosesInParallelFixesInTurnAndRunsAgain) {
  std::vector<std::string> order;
  auto host = sbt::start_script(
    builtin("fix-failing-tests.js"), {{"command", {"npm", "test"}}},
    checked([&](const host_call& c) -> json {
      const auto label = label_of(c);
      order.push_back(label);
      if (label == "run tests")
        return json::parse(R"({"failures": [{"test": "adds", "file": "math.test.js",
          "error": "expected 3"}, {"test": "parses", "error": "bad date"}]})");
      if (label.rfind("diagnose: ", 0) == 0)
        return json{{"cause", "cause of " + label}, {"fix", "fix " + label.substr(10)}};
      if (label.rfind("fix: ", 0) == 0)
        return "applied";
      if (label == "re-run tests")
        return json::parse(R"({"failures": []})");
      ADD_FAILURE() << "unexpected step " << label;
      return nullptr;
    }));
  const auto end = host->wait_end();
  ASSERT_EQ(end.state, end_state::completed) << end.error;
  EXPECT_EQ(order, (std::vector<std::string>{"run tests", "diagnose: adds", "diagnose: parses",
                                             "fix: adds", "fix: parses", "re-run tests"}));
  EXPECT_EQ(end.result.at("fixed").size(), 2u);
  EXPECT_TRUE(end.result.at("after").empty());
  for (const auto& c : host->calls()) {
    if (label_of(c).rfind("diagnose: ", 0) == 0) { // diagnosis is read-only
      EXPECT_EQ(c.spec.at("tools"), json::parse(R"(["read_file", "search", "list_dir"])"));
    }
  }
}

TEST(CatalogTest, FixFailingTestsWithoutACommandFailsClearly) {
  auto host = sbt::start_script(builtin("fix-failing-tests.js"), {{"command", "npm test"}});
  const auto end = host->wait_end();
  EXPECT_EQ(end.state, end_state::failed);
  EXPECT_NE(end.error.find("argv"), std::string::npos) << end.error;
}
