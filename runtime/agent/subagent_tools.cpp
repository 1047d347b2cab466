#include "runtime/agent/subagent_tools.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "runtime/tools/tool_result.hpp"
#include "runtime/tools/tool_schema.hpp"

namespace boocode::agent {

using nlohmann::json;
using tools::object_schema;
using tools::string_param;
using tools::tool_failure;

namespace {

constexpr size_t max_description = 200;
constexpr size_t max_prompt = 100'000;

json task_id_param() {
  return string_param("The task's id, as spawn_subagent returned it (t_...).");
}

struct subagent_tool {
  const char* name;
  const char* description;
  json parameters;
};

const std::vector<subagent_tool>& defs() {
  static const std::vector<subagent_tool> all = {
    {"spawn_subagent",
     "Starts a background subagent on a task and returns its task_id at once; you go on working. "
     "It works in the same workspace with its own conversation and does not see yours, so give "
     "it everything it needs in the prompt. When it ends you are notified with a summary; read "
     "its full result with subagent_result.",
     object_schema(
       {{"description", string_param("A few words for the user: what the subagent does.")},
        {"prompt", string_param("The subagent's whole task, with the context it needs.")},
        {"tools",
         {{"type", "array"},
          {"items", {{"type", "string"}}},
          {"description", "The tools it may use, a subset of yours (default: all of yours)."}}},
        {"model", string_param("Another model for it (default: the chat's).")},
        {"worktree",
         {{"type", "boolean"},
          {"description",
           "Work in a git worktree of its own on branch boocode/<task_id> (a git workspace "
           "only); the result names the branch when it changed something."}}}},
       {"description", "prompt"})},
    {"subagent_status",
     "The state of one task (queued, running, completed, failed, cancelled), its elapsed time, "
     "tokens and cost; without task_id, every task of this chat.",
     object_schema({{"task_id", task_id_param()}}, json::array())},
    {"subagent_result",
     "A task's result once it has ended, waiting up to wait_s seconds (at most 300) for its end; "
     "still running after that, its state.",
     object_schema({{"task_id", task_id_param()},
                    {"wait_s",
                     {{"type", "number"},
                      {"description", "Seconds to wait for the task to end (default 0, at most "
                                      "300)."}}}},
                   {"task_id"})},
    {"cancel_subagent", "Stops a task and the subagents it started; it ends cancelled.",
     object_schema({{"task_id", task_id_param()}}, {"task_id"})},
    {"run_workflow",
     "Starts a workflow, a script that runs many agents (deep-research, multi-review, "
     "fix-failing-tests, or one of this workspace's), and returns its run id at once; you go on "
     "working. When it ends you are notified with its result (subagent_status and "
     "subagent_result work on the run id too). Give name or script, and its args.",
     object_schema(
       {{"name", string_param("The workflow's name.")},
        {"script", string_param("Or a workflow's JavaScript source (export const meta = {...} "
                                "first; agent(), parallel(), pipeline(), phase(), log()).")},
        {"args", {{"type", "object"}, {"description", "The workflow's args."}}}},
       json::array())},
  };
  return all;
}

const subagent_tool& def(std::string_view name) {
  for (auto& d : defs())
    if (d.name == name)
      return d;
  throw std::logic_error("no subagent tool " + std::string(name));
}

/// The arguments of `name`, checked against its schema.
json checked(std::string_view name, const json& arguments) {
  auto args = tools::argument_object(name, arguments);
  tools::check_arguments(name, def(name).parameters, args);
  return args;
}

std::string bounded_text(const json& args, const char* key, size_t most) {
  auto text = args.at(key).get<std::string>();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw tool_failure(fmt::format("spawn_subagent: '{}' must not be empty", key));
  if (text.size() > most)
    throw tool_failure(
      fmt::format("spawn_subagent: '{}' is {} bytes, over {}", key, text.size(), most));
  return text;
}

} // namespace

const json& subagent_tool_schemas() {
  static const json schemas = tools::function_schemas(defs());
  return schemas;
}

const std::vector<std::string>& subagent_tool_names() {
  static const std::vector<std::string> names = tools::names_of(defs());
  return names;
}

spawn_args read_spawn(const json& arguments, const std::vector<std::string>& allowed) {
  auto args = checked("spawn_subagent", arguments);
  spawn_args out;
  out.description = bounded_text(args, "description", max_description);
  out.prompt = bounded_text(args, "prompt", max_prompt);
  if (args.contains("tools")) {
    std::vector<std::string> wanted;
    for (auto& t : args["tools"]) {
      auto name = t.get<std::string>();
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
        throw tool_failure(fmt::format("spawn_subagent: it may not have tool '{}' (it may have {})",
                                       name, fmt::join(allowed, ", ")));
      if (std::find(wanted.begin(), wanted.end(), name) == wanted.end())
        wanted.push_back(name);
    }
    out.tools = std::move(wanted);
  }
  if (args.contains("model"))
    out.model = args["model"].get<std::string>();
  out.worktree = args.value("worktree", false);
  return out;
}

std::optional<std::string> read_status(const json& arguments) {
  auto args = checked("subagent_status", arguments);
  if (args.contains("task_id"))
    return args["task_id"].get<std::string>();
  return std::nullopt;
}

result_args read_result(const json& arguments) {
  auto args = checked("subagent_result", arguments);
  result_args out;
  out.task_id = args["task_id"].get<std::string>();
  double wait = args.value("wait_s", 0.0);
  if (!(wait >= 0)) // negative or NaN
    throw tool_failure("subagent_result: 'wait_s' must be 0 or more");
  out.wait = std::chrono::seconds(
    static_cast<int64_t>(std::min(wait, static_cast<double>(max_result_wait.count()))));
  return out;
}

std::string read_cancel(const json& arguments) {
  return checked("cancel_subagent", arguments)["task_id"].get<std::string>();
}

workflow_args read_run_workflow(const json& arguments) {
  auto args = checked("run_workflow", arguments);
  workflow_args out;
  out.name = args.value("name", "");
  out.script = args.value("script", "");
  if (out.name.empty() == out.script.empty())
    throw tool_failure("run_workflow: give either name or script");
  if (out.script.size() > max_prompt * 10)
    throw tool_failure("run_workflow: the script is over 1 MB");
  out.args = args.value("args", json(nullptr));
  return out;
}

std::optional<std::string> spawn_refusal(const task_limits& limits, int spawned, int depth) {
  if (depth > limits.max_depth)
    return limits.max_depth == 1
             ? std::string("spawn_subagent refused: subagents may not start subagents on this "
                           "node; do the work yourself")
             : fmt::format("spawn_subagent refused: subagents nest at most {} deep here; do the "
                           "work yourself",
                           limits.max_depth);
  if (spawned >= limits.spawns_per_turn)
    return fmt::format("spawn_subagent refused: at most {} spawns per turn. Do not retry at once: "
                       "wait for the tasks you started (subagent_result) and spawn more in a "
                       "later turn",
                       limits.spawns_per_turn);
  return std::nullopt;
}

bool may_start(const task_limits& limits, int64_t running_for_chat, int64_t running_on_node) {
  return running_for_chat < limits.running_per_chat && running_on_node < limits.running_per_node;
}

} // namespace boocode::agent
