#pragma once

// What a workflow run's actor checks as its script asks for steps and its
// steps end: plain decisions, so they are tested without a node.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "runtime/agent/task.hpp"

namespace boocode::workflow {

/// Why a new agent() call is refused: the run has asked for `started`
/// agents already and may ask for at most `most`; none while it may.
std::optional<std::string> agent_cap_refusal(int started, int most);

/// The warning a replayed agent() call earns when the step recorded at its
/// path was asked with another spec (`spec_hash` is the call's now): the
/// script did not ask the same on replay (it used which of two agents
/// finished first, say), and it is given the recorded result anyway. None
/// when it asks the same, or the step has no hash.
std::optional<std::string> replay_mismatch(const agent::task_record& step,
                                           const std::string& spec_hash);

/// A run's tokens (input + output of its steps) and where they are heading:
/// what the ended steps used, plus for each step still queued or running
/// the average of the ended ones.
struct token_projection {
  int64_t spent = 0;
  int64_t projected = 0;
  int ended = 0;
  int live = 0;
};
token_projection project_tokens(const std::map<std::string, agent::task_record>& steps);

/// The warning for a projection past `threshold` (the run's budget when
/// `is_budget`, else the node's workflow-warn-tokens); none below it, or
/// before any step ended.
std::optional<std::string> token_warning(const token_projection& p, int64_t threshold,
                                         bool is_budget);

} // namespace boocode::workflow
