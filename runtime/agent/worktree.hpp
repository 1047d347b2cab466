#pragma once

#include <string>

namespace boocode::agent {

// A subagent's own git worktree (spawn_subagent with worktree: true): made
// under <workspace>/.boocode/worktrees/<task> on branch boocode/<task>, which
// becomes the subagent's workspace (its file tools and commands are confined
// to it); at its end removed when nothing changed, else kept with its
// changes committed on the branch.

/// A worktree made for a task.
struct worktree {
  std::string path;
  std::string branch;
};

/// Throws tools::tool_failure unless `workspace` is in a git work tree with
/// at least one commit (a worktree needs a commit to start from).
void check_git_workspace(const std::string& workspace);

/// Makes task `task_id`'s worktree in `workspace` (again after a crash: the
/// one made before). Throws tools::tool_failure with git's words.
worktree add_worktree(const std::string& workspace, const std::string& task_id);

/// At the task's end: commits what changed in worktree `wt` (made from
/// `workspace`) on its branch and answers "branch <b>: <diff stat>"; when
/// nothing changed removes the worktree and its branch and answers "".
/// Throws tools::tool_failure when git fails.
std::string settle_worktree(const std::string& workspace, const worktree& wt,
                            const std::string& message);

} // namespace boocode::agent
