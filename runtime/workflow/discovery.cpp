#include "runtime/workflow/discovery.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

namespace boocode::workflow {

namespace {

namespace fs = std::filesystem;

workflow_entry entry_of(std::string stem, origin from, std::string path, std::string source) {
  workflow_entry e;
  e.name = std::move(stem);
  e.from = from;
  e.path = std::move(path);
  auto checked = sandbox::check_script(source);
  if (auto* ok = std::get_if<sandbox::checked_script>(&checked)) {
    e.name = ok->meta.name;
    e.meta = ok->meta;
  } else {
    e.problem = std::get<sandbox::script_problem>(checked).describe();
  }
  e.source = std::move(source);
  return e;
}

// The *.js files of `dir`, by file name (none when it does not exist).
std::vector<workflow_entry> scan(const fs::path& dir, origin from) {
  std::vector<workflow_entry> out;
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec))
    return out;
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(dir, ec))
    if (f.path().extension() == ".js" && f.is_regular_file(ec))
      files.push_back(f.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    if (fs::file_size(f, ec) > sandbox::max_script_bytes) {
      workflow_entry e;
      e.name = f.stem().string();
      e.from = from;
      e.path = f.string();
      e.problem = "the script is larger than 1 MiB";
      out.push_back(std::move(e));
      continue;
    }
    std::ifstream in(f, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    out.push_back(entry_of(f.stem().string(), from, f.string(), text.str()));
  }
  return out;
}

} // namespace

std::vector<workflow_entry> discover(const fs::path& workspace, const fs::path& home) {
  std::map<std::string, workflow_entry> by_name;
  auto add = [&](std::vector<workflow_entry> found) {
    for (auto& e : found)
      by_name.try_emplace(e.name, std::move(e));
  };
  add(scan(workspace.empty() ? fs::path() : workspace / ".boocode" / "workflows", origin::project));
  add(scan(home.empty() ? fs::path() : home / ".boocode" / "workflows", origin::user));
  add(scan(workspace.empty() ? fs::path() : workspace / ".claude" / "workflows", origin::claude));
  std::vector<workflow_entry> builtin;
  for (const auto& b : builtin_workflows())
    builtin.push_back(
      entry_of(fs::path(b.file).stem().string(), origin::builtin, "builtin:" + b.file, b.source));
  add(std::move(builtin));
  std::vector<workflow_entry> out;
  out.reserve(by_name.size());
  for (auto& [name, e] : by_name)
    out.push_back(std::move(e));
  return out;
}

std::optional<workflow_entry> find_workflow(const fs::path& workspace, const fs::path& home,
                                            const std::string& name) {
  for (auto& e : discover(workspace, home))
    if (e.name == name)
      return std::move(e);
  return std::nullopt;
}

} // namespace boocode::workflow
