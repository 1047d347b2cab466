#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/tools/tool_registry.hpp"
#include "tests/runtime/tool_test_support.hpp"

using namespace boocode;
using namespace boocode::tools;
using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ToolRegistryTest : public test::WorkspaceTest {
protected:
  /// execute(), checking on the way that it does not throw.
  tool_result run(std::string_view name, const json& args) {
    tool_result r;
    EXPECT_NO_THROW(r = execute(name, args, ctx_)) << name << " " << args.dump();
    return r;
  }
};

TEST_F(ToolRegistryTest, SchemasComeInTheFixedOrder) {
  std::vector<std::string> names;
  for (auto& tool : tool_schemas())
    names.push_back(tool.at("function").at("name").get<std::string>());
  EXPECT_THAT(names, ElementsAre("read_file", "write_file", "edit_file", "list_dir", "search",
                                 "run_command", "view_image"));
  EXPECT_EQ(tool_names(), names);
}

TEST_F(ToolRegistryTest, SchemasAreOpenAiFunctionsWithObjectParameters) {
  auto text = tool_schemas().dump();
  auto parsed = json::parse(text); // valid JSON, and the same text every time
  EXPECT_EQ(parsed, tool_schemas());
  EXPECT_EQ(tool_schemas().dump(), text);
  for (auto& tool : parsed) {
    EXPECT_EQ(tool.at("type"), "function");
    auto& fn = tool.at("function");
    EXPECT_FALSE(fn.at("description").get<std::string>().empty());
    auto& params = fn.at("parameters");
    EXPECT_EQ(params.at("type"), "object");
    EXPECT_FALSE(params.at("additionalProperties").get<bool>());
    for (auto& required : params.at("required"))
      EXPECT_TRUE(params.at("properties").contains(required.get<std::string>()));
  }
  auto& run = parsed[5]["function"]["parameters"];
  EXPECT_EQ(run["properties"]["argv"]["type"], "array");
  EXPECT_EQ(run["properties"]["argv"]["items"]["type"], "string");
  EXPECT_EQ(run["required"], json::array({"argv"}));
  EXPECT_EQ(parsed[4]["function"]["parameters"]["required"], json::array({"pattern"}));
}

TEST_F(ToolRegistryTest, ReadOnlyFlags) {
  EXPECT_EQ(is_read_only("read_file"), true);
  EXPECT_EQ(is_read_only("list_dir"), true);
  EXPECT_EQ(is_read_only("search"), true);
  EXPECT_EQ(is_read_only("write_file"), false);
  EXPECT_EQ(is_read_only("edit_file"), false);
  EXPECT_EQ(is_read_only("run_command"), false);
  EXPECT_EQ(is_read_only("rm_rf"), std::nullopt);
}

TEST_F(ToolRegistryTest, DispatchesEachTool) {
  auto w = run("write_file", {{"path", "src/a.txt"}, {"content", "hello world\n"}});
  EXPECT_TRUE(w.ok()) << w.text;
  EXPECT_FALSE(w.read_only);
  auto e =
    run("edit_file", {{"path", "src/a.txt"}, {"old_string", "world"}, {"new_string", "you"}});
  EXPECT_TRUE(e.ok()) << e.text;
  auto r = run("read_file", {{"path", "src/a.txt"}});
  EXPECT_EQ(r.text, "hello you\n");
  EXPECT_TRUE(r.read_only);
  EXPECT_EQ(run("list_dir", {{"path", "src"}}).text, "file  a.txt  (10 bytes)\n");
  EXPECT_EQ(run("search", {{"pattern", "h.llo"}}).text, "src/a.txt:1: hello you\n");
  EXPECT_EQ(run("search", {{"pattern", "h.llo"}, {"path", "src"}}).text,
            "src/a.txt:1: hello you\n");
  auto c = run("run_command", {{"argv", {"cat", "src/a.txt"}}, {"timeout_s", 5}});
  EXPECT_EQ(c.exit_code, 0);
  EXPECT_EQ(c.text, "hello you\n[exit code: 0]");
  EXPECT_FALSE(c.read_only);
}

TEST_F(ToolRegistryTest, AcceptsArgumentsAsAJsonString) {
  put("a.txt", "x");
  auto r = run("read_file", json(R"({"path": "a.txt"})"));
  EXPECT_TRUE(r.ok()) << r.text;
  EXPECT_EQ(r.text, "x");
  auto bad = run("read_file", json(R"({"path": "a.txt)"));
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.text, "read_file: the arguments are not valid JSON");
}

TEST_F(ToolRegistryTest, BadArgumentsAreToolErrors) {
  struct bad_call {
    std::string tool;
    json args;
    std::string error;
  };
  std::vector<bad_call> calls = {
    {"read_file", json::object(), "read_file: missing required argument 'path' (a string)"},
    {"read_file", {{"path", 42}}, "read_file: argument 'path' must be a string, not number"},
    {"read_file", {{"path", nullptr}}, "read_file: argument 'path' must be a string, not null"},
    {"read_file",
     {{"path", "a"}, {"file", "b"}},
     "read_file: unknown argument 'file' (it takes path)"},
    {"read_file", json::array(), "read_file: the arguments must be a JSON object, not array"},
    {"read_file", nullptr, "read_file: the arguments must be a JSON object, not null"},
    {"write_file", {{"path", "a"}}, "write_file: missing required argument 'content' (a string)"},
    {"edit_file",
     {{"path", "a"}, {"old_string", "x"}, {"new_string", true}},
     "edit_file: argument 'new_string' must be a string, not boolean"},
    {"search",
     {{"pattern", "x"}, {"path", json::array()}},
     "search: argument 'path' must be a string, not this array"},
    {"run_command",
     {{"argv", "ls -la"}},
     "run_command: argument 'argv' must be an array of strings (not empty), not string"},
    {"run_command",
     {{"argv", json::array()}},
     "run_command: argument 'argv' must be an array of strings (not empty), not this array"},
    {"run_command",
     {{"argv", {"ls", 1}}},
     "run_command: argument 'argv' must be an array of strings (not empty), not this array"},
    {"run_command",
     {{"argv", {"ls"}}, {"timeout_s", "10"}},
     "run_command: argument 'timeout_s' must be a number, not string"},
    {"run_command",
     {{"argv", {"ls"}}, {"timeout", 10}},
     "run_command: unknown argument 'timeout' (it takes argv, timeout_s)"},
    {"run_command",
     {{"argv", {"ls"}}, {"timeout_s", -1}},
     "timeout_s must be more than 0 and at most 600"},
    {"run_command",
     {{"argv", {"ls"}}, {"timeout_s", 1e300}},
     "timeout_s must be more than 0 and at most 600"},
  };
  for (auto& call : calls) {
    auto r = run(call.tool, call.args);
    EXPECT_EQ(r.outcome, tool_outcome::error) << call.args.dump();
    EXPECT_EQ(r.text, call.error) << call.args.dump();
    EXPECT_EQ(r.read_only, *is_read_only(call.tool));
  }
  EXPECT_TRUE(std::filesystem::is_empty(ws_.path())); // nothing was written
}

TEST_F(ToolRegistryTest, UnknownToolIsAToolError) {
  auto r = run("delete_everything", {{"path", "."}});
  EXPECT_EQ(r.outcome, tool_outcome::error);
  EXPECT_EQ(r.text, "unknown tool 'delete_everything'; the tools are read_file, write_file, "
                    "edit_file, list_dir, search, run_command, view_image");
}

TEST_F(ToolRegistryTest, ResultsRoundTripThroughJson) {
  tool_result r;
  r.outcome = tool_outcome::timeout;
  r.text = "partial\n[timed out]";
  r.exit_code = 137;
  r.truncated = true;
  json j = r;
  EXPECT_EQ(j["outcome"], "timeout");
  EXPECT_EQ(j["exit_code"], 137);
  auto back = j.get<tool_result>();
  EXPECT_EQ(back.outcome, r.outcome);
  EXPECT_EQ(back.text, r.text);
  EXPECT_EQ(back.exit_code, r.exit_code);
  EXPECT_TRUE(back.truncated);
  EXPECT_FALSE(back.read_only);
  EXPECT_TRUE(json(tool_result{}).at("exit_code").is_null());
  j["outcome"] = "bogus";
  EXPECT_THROW(j.get<tool_result>(), json::exception);
}
