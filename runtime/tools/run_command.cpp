#include "runtime/tools/run_command.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>

#include <fmt/format.h>

#include "runtime/child_process.hpp"
#include "runtime/poll.hpp"
#include "runtime/tools/file_observer.hpp"
#include "runtime/tools/text.hpp"
#include "runtime/tools/workspace_path.hpp"

namespace boocode::tools {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

/// How often a waiting command checks its cancel token and deadline.
constexpr milliseconds check_interval{20};
/// After the group is killed, how long to keep reading what it wrote: a
/// process that left the group (setsid) could hold the pipe open forever.
constexpr milliseconds drain_limit{2000};

std::string seconds(milliseconds d) {
  return fmt::format("{:g}", static_cast<double>(d.count()) / 1000.0);
}

} // namespace

std::vector<std::string> command_environment(const std::filesystem::path& workspace,
                                             const std::vector<std::string>& extra) {
  const char* path = std::getenv("PATH");
  std::vector<std::string> env{fmt::format("PATH={}", path != nullptr && *path != '\0'
                                                        ? path
                                                        : "/usr/local/bin:/usr/bin:/bin"),
                               fmt::format("HOME={}", workspace.string()),
                               fmt::format("XDG_CACHE_HOME={}", (workspace / ".cache").string()),
                               "TMPDIR=/tmp",
                               "LANG=C.UTF-8",
                               "TERM=dumb"};
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

command_result run_command(const command_request& req) {
  command_result res;
  std::optional<child_process> child;
  std::optional<sandbox_plan> plan;
  try {
    auto env = req.env ? *req.env : command_environment(req.cwd);
    if (req.sandbox) {
      plan.emplace(*req.sandbox, req.cwd, req.network);
      env = visible_environment(*req.sandbox, std::move(env));
    }
    child.emplace(child_process::start({.argv = req.argv,
                                        .capture_output = true,
                                        .env = std::move(env),
                                        .cwd = req.cwd,
                                        .die_with_parent = true,
                                        .parent_death_signal = SIGKILL,
                                        .isolation = plan ? plan->isolation() : nullptr}));
  } catch (const process_error& e) {
    res.outcome = tool_outcome::error;
    res.error = e.what();
    return res;
  }

  std::string chunk;
  auto keep = [&] {
    res.total_bytes += chunk.size();
    if (res.output.size() < req.max_output_bytes)
      res.output.append(chunk, 0, std::min(chunk.size(), req.max_output_bytes - res.output.size()));
    chunk.clear();
  };
  auto deadline = steady_clock::now() + req.timeout;
  bool open = true;
  while (true) {
    if (req.cancel && req.cancel->cancelled()) {
      res.outcome = tool_outcome::cancelled;
      break;
    }
    auto now = steady_clock::now();
    if (now >= deadline) {
      res.outcome = tool_outcome::timeout;
      break;
    }
    auto slice = std::min(check_interval, std::chrono::ceil<milliseconds>(deadline - now));
    if (open) {
      open = child->read_output(chunk, slice);
      keep();
    } else {
      child->wait_exited(slice);
    }
    if (child->has_exited())
      break;
  }

  // Kill the group before reaping the leader, so its id still names our group.
  child->kill_group(SIGKILL);
  for (auto until = steady_clock::now() + drain_limit; open && steady_clock::now() < until;) {
    open = child->read_output(chunk, check_interval);
    keep();
  }
  auto status = child->wait_for(std::chrono::seconds(5));
  if (res.outcome == tool_outcome::ok)
    res.exit_code = status;
  return res;
}

tool_result run_command(const tool_context& ctx, const std::vector<std::string>& argv,
                        std::optional<milliseconds> timeout) {
  return guarded(false, [&] {
    if (argv.empty())
      throw tool_failure("argv is empty: give the program and its arguments");
    auto limit = timeout.value_or(ctx.limits.default_timeout);
    if (limit <= milliseconds::zero() || limit > ctx.limits.max_timeout)
      throw tool_failure(fmt::format("timeout_s must be more than 0 and at most {}",
                                     seconds(ctx.limits.max_timeout)));
    auto cwd = resolve_workspace_path(ctx.workspace, ".").root;
    if (ctx.observer)
      ctx.observer->running_command();
    auto res = run_command({.argv = argv,
                            .cwd = cwd,
                            .timeout = limit,
                            .max_output_bytes = ctx.limits.max_output_bytes,
                            .cancel = ctx.cancel,
                            .env = ctx.env,
                            .sandbox = ctx.sandbox,
                            .network = ctx.network});
    if (res.outcome == tool_outcome::error)
      throw tool_failure(res.error);

    tool_result r;
    r.outcome = res.outcome;
    r.exit_code = res.exit_code;
    r.truncated = res.truncated();
    r.text = valid_utf8(res.output);
    auto note = [&](const std::string& line) {
      if (!r.text.empty() && r.text.back() != '\n')
        r.text += '\n';
      r.text += line;
    };
    if (r.truncated)
      note(fmt::format("[output truncated: {} bytes total]", res.total_bytes));
    if (res.outcome == tool_outcome::timeout)
      note(fmt::format("[timed out after {} s; the command and its child processes were killed]",
                       seconds(limit)));
    else if (res.outcome == tool_outcome::cancelled)
      note("[cancelled; the command and its child processes were killed]");
    else
      note(fmt::format("[exit code: {}]", res.exit_code.value_or(-1)));
    return r;
  });
}

} // namespace boocode::tools
