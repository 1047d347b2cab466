// The subagent tools' plain parts: their schemas (fixed, in order), reading
// their arguments with errors the model can act on, and the limits.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/agent/subagent_tools.hpp"
#include "runtime/tools/tool_result.hpp"

using namespace boocode;
using namespace boocode::agent;
using nlohmann::json;

namespace {

const std::vector<std::string> chat_tools{"read_file", "write_file", "search", "run_command"};

/// The message of the tool_failure `f` throws (empty when it throws none).
template <class F>
std::string failure_of(F&& f) {
  try {
    f();
  } catch (const tools::tool_failure& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST(SubagentToolsTest, SchemasAreFixedAndInOrder) {
  EXPECT_EQ(subagent_tool_names(),
            (std::vector<std::string>{"spawn_subagent", "subagent_status", "subagent_result",
                                      "cancel_subagent", "run_workflow"}));
  const auto& schemas = subagent_tool_schemas();
  ASSERT_EQ(schemas.size(), 5u);
  EXPECT_EQ(&schemas, &subagent_tool_schemas()) << "one text, kept for the prompt cache";
  auto spawn = schemas[0]["function"];
  EXPECT_EQ(spawn["name"], "spawn_subagent");
  EXPECT_EQ(spawn["parameters"]["required"], json({"description", "prompt"}));
  EXPECT_EQ(spawn["parameters"]["properties"]["worktree"]["type"], "boolean");
  EXPECT_FALSE(spawn["parameters"]["additionalProperties"].get<bool>());
  for (auto& s : schemas)
    EXPECT_FALSE(s["function"]["description"].get<std::string>().empty());
}

TEST(SubagentToolsTest, ReadsASpawn) {
  auto s = read_spawn(json{{"description", "find the bug"},
                           {"prompt", "Find where the parser drops the last line."},
                           {"tools", {"read_file", "search", "read_file"}},
                           {"model", "small"},
                           {"worktree", true}},
                      chat_tools);
  EXPECT_EQ(s.description, "find the bug");
  EXPECT_EQ(s.tools, (std::vector<std::string>{"read_file", "search"})) << "repeats dropped";
  EXPECT_EQ(s.model, "small");
  EXPECT_TRUE(s.worktree);
  // As a string (chat completions carry arguments so), with the defaults.
  auto plain = read_spawn(json(R"({"description":"d","prompt":"p"})"), chat_tools);
  EXPECT_FALSE(plain.tools);
  EXPECT_TRUE(plain.model.empty());
  EXPECT_FALSE(plain.worktree);
}

TEST(SubagentToolsTest, BadArgumentsAreToolErrorsThatSayWhy) {
  auto spawn = [](json args) { return failure_of([&] { read_spawn(args, chat_tools); }); };
  EXPECT_NE(spawn(json{{"prompt", "p"}}).find("missing required argument 'description'"),
            std::string::npos);
  EXPECT_NE(
    spawn(json{{"description", "d"}, {"prompt", "p"}, {"when", 1}}).find("unknown argument 'when'"),
    std::string::npos);
  EXPECT_NE(spawn(json{{"description", "d"}, {"prompt", "p"}, {"worktree", "yes"}})
              .find("'worktree' must be a boolean"),
            std::string::npos);
  EXPECT_NE(spawn(json{{"description", "  "}, {"prompt", "p"}}).find("must not be empty"),
            std::string::npos);
  EXPECT_NE(spawn(json{{"description", std::string(201, 'd')}, {"prompt", "p"}}).find("over 200"),
            std::string::npos);
  EXPECT_NE(spawn(json{{"description", "d"}, {"prompt", "p"}, {"tools", {"spawn_subagent"}}})
              .find("it may not have tool 'spawn_subagent'"),
            std::string::npos);
  EXPECT_NE(spawn(json("not json")).find("not valid JSON"), std::string::npos);
  EXPECT_NE(spawn(json::array()).find("must be a JSON object"), std::string::npos);
}

TEST(SubagentToolsTest, StatusResultAndCancel) {
  EXPECT_FALSE(read_status(json::object()));
  EXPECT_EQ(read_status(json{{"task_id", "t_1"}}), "t_1");
  auto r = read_result(json{{"task_id", "t_1"}, {"wait_s", 12.7}});
  EXPECT_EQ(r.task_id, "t_1");
  EXPECT_EQ(r.wait, std::chrono::seconds(12));
  EXPECT_EQ(read_result(json{{"task_id", "t_1"}, {"wait_s", 1e9}}).wait, max_result_wait);
  EXPECT_EQ(read_result(json{{"task_id", "t_1"}}).wait, std::chrono::seconds(0));
  EXPECT_NE(failure_of([] {
              read_result(json{{"task_id", "t_1"}, {"wait_s", -1}});
            }).find("0 or more"),
            std::string::npos);
  EXPECT_EQ(read_cancel(json{{"task_id", "t_2"}}), "t_2");
  EXPECT_NE(failure_of([] { read_cancel(json::object()); }).find("missing required argument"),
            std::string::npos);
}

TEST(SubagentToolsTest, LimitsRefuseOrQueue) {
  task_limits l;
  EXPECT_FALSE(spawn_refusal(l, 0, 1));
  EXPECT_FALSE(spawn_refusal(l, l.spawns_per_turn - 1, 1));
  auto many = spawn_refusal(l, l.spawns_per_turn, 1);
  ASSERT_TRUE(many);
  EXPECT_NE(many->find("Do not retry at once"), std::string::npos) << *many;
  auto nested = spawn_refusal(l, 0, 2);
  ASSERT_TRUE(nested) << "nesting is off by default";
  EXPECT_NE(nested->find("may not start subagents"), std::string::npos);
  l.max_depth = 2;
  EXPECT_FALSE(spawn_refusal(l, 0, 2));
  EXPECT_TRUE(spawn_refusal(l, 0, 3));
  // Running bounds queue a task rather than refuse it.
  task_limits d;
  EXPECT_TRUE(may_start(d, 0, 0));
  EXPECT_FALSE(may_start(d, d.running_per_chat, 0));
  EXPECT_FALSE(may_start(d, 0, d.running_per_node));
}

TEST(SubagentToolsTest, RunWorkflowTakesANameOrAScriptAndItsArgs) {
  auto byName = read_run_workflow(json{{"name", "deep-research"}, {"args", {{"question", "why"}}}});
  EXPECT_EQ(byName.name, "deep-research");
  EXPECT_EQ(byName.args, json({{"question", "why"}}));
  auto byScript = read_run_workflow(json{{"script", "export const meta = {};"}}.dump());
  EXPECT_EQ(byScript.script, "export const meta = {};");
  EXPECT_TRUE(byScript.args.is_null());
  EXPECT_THROW(read_run_workflow(json::object()), boocode::tools::tool_failure);
  EXPECT_THROW(read_run_workflow(json{{"name", "a"}, {"script", "b"}}),
               boocode::tools::tool_failure);
  EXPECT_THROW(read_run_workflow(json{{"name", "a"}, {"args", "not an object"}}),
               boocode::tools::tool_failure);
}
