#include "runtime/agent/worktree.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "runtime/child_process.hpp"
#include "runtime/tools/tool_result.hpp"

namespace boocode::agent {

namespace {

namespace fs = std::filesystem;

constexpr auto git_timeout = std::chrono::seconds(60);

struct git_result {
  int status = 0;
  std::string output;
};

/// Runs git with `args` in `dir`; its exit status and output.
git_result git(const std::string& dir, std::vector<std::string> args) {
  child_options o;
  o.argv = {"git", "-c", "user.name=BooCode", "-c", "user.email=boocode@localhost", "-C", dir};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.capture_output = true;
  auto child = child_process::start(o);
  git_result r;
  auto deadline = std::chrono::steady_clock::now() + git_timeout;
  while (child.read_output(r.output, std::chrono::milliseconds(200)))
    if (std::chrono::steady_clock::now() > deadline) {
      child.kill_group(SIGKILL);
      throw tools::tool_failure("git " + args.front() + " took too long");
    }
  auto status = child.wait_for(git_timeout);
  r.status = status.value_or(-1);
  return r;
}

/// git's answer, or a tool failure naming what failed.
std::string git_ok(const std::string& dir, std::vector<std::string> args, const char* what) {
  auto r = git(dir, args);
  if (r.status != 0)
    throw tools::tool_failure(fmt::format("{}: git says: {}", what, r.output));
  return r.output;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s;
}

} // namespace

void check_git_workspace(const std::string& workspace) {
  auto inside = git(workspace, {"rev-parse", "--is-inside-work-tree"});
  if (inside.status != 0 || trimmed(inside.output) != "true")
    throw tools::tool_failure(fmt::format(
      "spawn_subagent: worktree needs a git repository, and {} is not one; spawn it without "
      "worktree",
      workspace));
  if (git(workspace, {"rev-parse", "--verify", "HEAD"}).status != 0)
    throw tools::tool_failure("spawn_subagent: worktree needs a commit to start from, and the "
                              "repository has none yet");
}

worktree add_worktree(const std::string& workspace, const std::string& task_id) {
  worktree wt{(fs::path(workspace) / ".boocode" / "worktrees" / task_id).string(),
              "boocode/" + task_id};
  if (fs::exists(fs::path(wt.path) / ".git"))
    return wt; // made before a crash
  // Its files stay out of the workspace's own status.
  auto exclude = git_ok(workspace, {"rev-parse", "--git-path", "info/exclude"}, "worktree");
  auto exclude_path = fs::path(trimmed(exclude));
  if (exclude_path.is_relative())
    exclude_path = fs::path(workspace) / exclude_path;
  git_ok(workspace, {"worktree", "add", "-b", wt.branch, wt.path, "HEAD"}, "worktree add");
  std::error_code ec;
  fs::create_directories(exclude_path.parent_path(), ec);
  if (FILE* f = std::fopen(exclude_path.c_str(), "a")) {
    std::fputs("/.boocode/\n", f);
    std::fclose(f);
  }
  return wt;
}

std::string settle_worktree(const std::string& workspace, const worktree& wt,
                            const std::string& message) {
  if (!fs::exists(wt.path))
    return "";
  git_ok(wt.path, {"add", "-A"}, "worktree");
  bool changed = git(wt.path, {"diff", "--cached", "--quiet"}).status != 0;
  if (changed)
    git_ok(wt.path, {"commit", "-q", "-m", message}, "worktree commit");
  auto base = trimmed(git_ok(workspace, {"rev-parse", "HEAD"}, "worktree"));
  auto stat = trimmed(git_ok(wt.path, {"diff", "--stat", base, "HEAD"}, "worktree"));
  if (stat.empty()) {
    git_ok(workspace, {"worktree", "remove", "--force", wt.path}, "worktree remove");
    git(workspace, {"branch", "-D", wt.branch});
    return "";
  }
  return fmt::format("branch {}:\n{}", wt.branch, stat);
}

} // namespace boocode::agent
