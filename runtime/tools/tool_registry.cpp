#include "runtime/tools/tool_registry.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "runtime/tools/file_tools.hpp"
#include "runtime/tools/run_command.hpp"
#include "runtime/tools/search_tool.hpp"
#include "runtime/tools/text.hpp"
#include "runtime/tools/tool_schema.hpp"
#include "runtime/tools/view_image.hpp"

namespace boocode::tools {

namespace {

using json = nlohmann::json;

/// One tool: its schema, whether it only reads, and how to call it with
/// arguments already checked against the schema.
struct tool_def {
  std::string name;
  bool read_only;
  std::string description;
  json parameters;
  std::function<tool_result(const json&, const tool_context&)> call;
};

std::string str(const json& args, const char* key, const char* fallback = "") {
  return args.contains(key) ? args[key].get<std::string>() : fallback;
}

const std::vector<tool_def>& defs() {
  static const std::vector<tool_def> all = {
    {"read_file", true,
     "Read a text file in the workspace and return its contents. Large and binary files are "
     "refused; use search to find lines in them.",
     object_schema({{"path", string_param("File path, relative to the workspace root.")}},
                   {"path"}),
     [](const json& a, const tool_context& ctx) { return read_file(ctx, str(a, "path")); }},
    {"write_file", false,
     "Create a file in the workspace or replace its whole content. Missing parent directories "
     "are created. Prefer edit_file for changing part of an existing file.",
     object_schema({{"path", string_param("File path, relative to the workspace root.")},
                    {"content", string_param("The complete new content of the file.")}},
                   {"path", "content"}),
     [](const json& a, const tool_context& ctx) {
       return write_file(ctx, str(a, "path"), str(a, "content"));
     }},
    {"edit_file", false,
     "Replace one exact piece of text in a file. old_string must occur exactly once in the file, "
     "including whitespace and indentation; otherwise nothing is changed and the error says how "
     "many times it matched. Read the file first.",
     object_schema({{"path", string_param("File path, relative to the workspace root.")},
                    {"old_string", string_param("The exact text to replace; must match once.")},
                    {"new_string", string_param("The text to put in its place.")}},
                   {"path", "old_string", "new_string"}),
     [](const json& a, const tool_context& ctx) {
       return edit_file(ctx, str(a, "path"), str(a, "old_string"), str(a, "new_string"));
     }},
    {"list_dir", true,
     "List a directory in the workspace: one line per entry with its type (file, dir, symlink) "
     "and size, sorted by name.",
     object_schema(
       {{"path",
         string_param("Directory path, relative to the workspace root; \".\" for the root.")}},
       {"path"}),
     [](const json& a, const tool_context& ctx) { return list_dir(ctx, str(a, "path")); }},
    {"search", true,
     "Search the text files under a path for lines matching a regular expression (ECMAScript "
     "syntax, matched within each line). Returns \"path:line: text\" lines, a bounded number. "
     "Skips .git, node_modules, build directories and binary files.",
     object_schema(
       {{"pattern", string_param("The regular expression.")},
        {"path", string_param("Directory or file to search, relative to the workspace root; the "
                              "whole workspace when omitted.")}},
       {"pattern"}),
     [](const json& a, const tool_context& ctx) {
       return search(ctx, str(a, "pattern"), str(a, "path", "."));
     }},
    {"run_command", false,
     "Run a program in the workspace directory, without a shell: argv[0] is the program (looked "
     "up in PATH) and the other elements are its arguments, passed as they are (no globbing, "
     "pipes, redirection or $VARIABLES; use [\"sh\", \"-c\", \"...\"] when you need them). "
     "Returns stdout and stderr together (capped) and the exit code. The command and every "
     "process it started are killed when the timeout passes.",
     object_schema({{"argv",
                     {{"type", "array"},
                      {"items", {{"type", "string"}}},
                      {"minItems", 1},
                      {"description", "The program and its arguments."}}},
                    {"timeout_s",
                     {{"type", "number"},
                      {"description", "Seconds before the command is killed (default 30)."}}}},
                   {"argv"}),
     [](const json& a, const tool_context& ctx) {
       std::optional<std::chrono::milliseconds> timeout;
       if (a.contains("timeout_s")) {
         double s = a["timeout_s"].get<double>();
         // Out-of-range values become 0 or the largest bound, both refused by run_command.
         double ms = std::isfinite(s) ? std::clamp(s * 1000.0, 0.0, 1e12) : 0.0;
         timeout = std::chrono::milliseconds(static_cast<long long>(std::ceil(ms)));
       }
       return run_command(ctx, a["argv"].get<std::vector<std::string>>(), timeout);
     }},
    {"view_image", true,
     "Look at an image file in the workspace (PNG, JPEG, WebP or GIF), e.g. a screenshot a test "
     "wrote. The image is shown to you after the tool results.",
     object_schema({{"path", string_param("Image path, relative to the workspace root.")}},
                   {"path"}),
     [](const json& a, const tool_context& ctx) { return view_image(ctx, str(a, "path")); }},
  };
  return all;
}

const tool_def* find(std::string_view name) {
  for (auto& d : defs())
    if (d.name == name)
      return &d;
  return nullptr;
}

} // namespace

const json& tool_schemas() {
  static const json schemas = function_schemas(defs());
  return schemas;
}

const std::vector<std::string>& tool_names() {
  static const std::vector<std::string> names = names_of(defs());
  return names;
}

std::optional<bool> is_read_only(std::string_view name) {
  if (auto* d = find(name))
    return d->read_only;
  return std::nullopt;
}

tool_result execute(std::string_view name, const json& arguments, const tool_context& ctx) {
  const tool_def* def = find(name);
  // An unknown tool did nothing, so running it again is as safe as reading.
  return guarded(def ? def->read_only : true, [&] {
    if (!def)
      throw tool_failure(fmt::format("unknown tool '{}'; the tools are {}", valid_utf8(name),
                                     fmt::join(tool_names(), ", ")));
    auto args = argument_object(def->name, arguments);
    check_arguments(def->name, def->parameters, args);
    return def->call(args, ctx);
  });
}

} // namespace boocode::tools
