#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/cancel_token.hpp"
#include "runtime/tools/sandbox.hpp"
#include "runtime/tools/tool_context.hpp"
#include "runtime/tools/tool_result.hpp"

namespace boocode::tools {

/// One command to run: argv without a shell, in its own process group.
struct command_request {
  std::vector<std::string> argv{};
  std::filesystem::path cwd{};
  std::chrono::milliseconds timeout{30000};
  std::size_t max_output_bytes = std::size_t{32} * 1024;
  std::shared_ptr<const cancel_token> cancel{};
  /// The command's environment (NAME=VALUE); nothing: command_environment(cwd).
  std::optional<std::vector<std::string>> env{};
  /// Confines the command (runtime/tools/sandbox.hpp); null: runs unconfined.
  std::shared_ptr<const sandbox_policy> sandbox{};
  /// In the sandbox: whether the command may use the network.
  bool network = false;
};

/// How a command ended.
struct command_result {
  /// ok: it ran to the end, whatever its exit code; error: it could not
  /// start (see `error`); timeout, cancelled: its process group was killed.
  tool_outcome outcome = tool_outcome::ok;
  /// Set when outcome is ok: the exit code, 128+N when signal N ended it.
  std::optional<int> exit_code;
  /// stdout and stderr interleaved as written, the first max_output_bytes
  /// only (raw bytes, not necessarily valid UTF-8).
  std::string output;
  /// Everything the command wrote, kept or not.
  std::size_t total_bytes = 0;
  /// Why the command could not start ("cannot run foo: command not found").
  std::string error;

  bool truncated() const { return total_bytes > output.size(); }
};

/// Runs `req` and blocks the calling thread until the command ends, its
/// timeout passes or `req.cancel` is raised (checked every 20 ms); in the
/// last two cases the whole process group is killed (SIGKILL), grandchildren
/// included. When the command itself ends, whatever it left running in its
/// group is killed too. Output past the cap is read and dropped, so the
/// command never blocks on a full pipe. stdin is /dev/null; the command dies
/// with the calling thread. Never throws for the command's failures. Not for
/// CAF scheduler threads.
command_result run_command(const command_request& req);

/// A command's fixed environment: PATH (the node's), HOME and the cache
/// folders in the workspace, TMPDIR=/tmp, LANG=C.UTF-8, TERM=dumb, then
/// `extra` (the chat's own variables, NAME=VALUE). Nothing else of the
/// node's environment reaches a command: the model picks the commands, and
/// must not read the model API key, the tokens or the database URL.
std::vector<std::string> command_environment(const std::filesystem::path& workspace,
                                             const std::vector<std::string>& extra = {});

/// The run_command tool: `argv` in the workspace with ctx's limits, cancel
/// token and sandbox; `timeout` must be positive and at most limits.max_timeout
/// (default limits.default_timeout). The text is the output, a truncation
/// marker "[output truncated: N bytes total]" when capped, and a last line
/// "[exit code: N]", "[timed out after N s; ...]" or "[cancelled; ...]".
tool_result run_command(const tool_context& ctx, const std::vector<std::string>& argv,
                        std::optional<std::chrono::milliseconds> timeout = std::nullopt);

} // namespace boocode::tools
