#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runtime/sandbox/script_check.hpp"

namespace boocode::workflow {

/// Where a workflow was found, in the order a name is looked up.
enum class origin { project, user, claude, builtin };

constexpr const char* to_string(origin o) {
  switch (o) {
    case origin::project:
      return "project";
    case origin::user:
      return "user";
    case origin::claude:
      return "claude";
    case origin::builtin:
      return "builtin";
  }
  return "builtin";
}

struct workflow_entry {
  std::string name; // meta.name, or the file's stem when its meta does not read
  origin from = origin::builtin;
  std::string path; // the file, or "builtin:<file>" for the catalog
  std::string source;
  std::optional<sandbox::workflow_meta> meta; // when the script checks
  std::string problem;                        // why it cannot run, when it does not
};

/// The scripts the binary ships (runtime/workflow/catalog/*.js): file name
/// and source.
struct builtin_script {
  std::string file;
  std::string source;
};
const std::vector<builtin_script>& builtin_workflows();

/// Every workflow a chat in `workspace` can run, sorted by name: the
/// project's .boocode/workflows/*.js, then `home`'s .boocode/workflows/*.js,
/// then the project's .claude/workflows/*.js (Claude Code's), then the
/// built-in catalog; the first of a name wins. A script that does not check
/// is listed with its problem (it cannot run). An empty `home` skips it.
std::vector<workflow_entry> discover(const std::filesystem::path& workspace,
                                     const std::filesystem::path& home);

/// The workflow `name` as discover() would list it.
std::optional<workflow_entry> find_workflow(const std::filesystem::path& workspace,
                                            const std::filesystem::path& home,
                                            const std::string& name);

} // namespace boocode::workflow
