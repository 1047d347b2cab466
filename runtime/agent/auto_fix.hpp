#pragma once

#include <functional>
#include <string>
#include <vector>

#include "runtime/agent/turn_context.hpp"

namespace boocode::agent {

/// The chat's auto-fix loop as a hook: after a reply's tool calls changed
/// files, runs the build command; a failing build becomes a user message
/// ("[auto-fix] ...") for the next model call, at most `max_attempts` times
/// per turn (counted in the summary's fix_attempts). The build is journaled
/// as step build_step(reply) and traced as a tool call named "build"; a
/// resumed turn takes a finished build from the journal, and an interrupted
/// one runs again (a build is a check).
class auto_fix final : public turn_hook {
public:
  using runner = std::function<tools::tool_result(const std::vector<std::string>& argv)>;

  auto_fix(std::vector<std::string> argv, int max_attempts, runner run);

  step_result after_calls(turn_context& t, int reply, bool wrote) override;

private:
  /// Runs the build (or takes it from the journal): its journal data.
  std::optional<nlohmann::json> build(turn_context& t, const std::string& step, int attempt);

  std::vector<std::string> argv_;
  std::string command_; // argv_ joined, as people read it
  int max_attempts_;
  runner run_;
};

} // namespace boocode::agent
