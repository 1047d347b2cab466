#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "runtime/agent/task.hpp"

namespace boocode::agent {

// How a task is told to the model that spawned it: its notification and
// what subagent_status and subagent_result answer.

/// The longest result a notification quotes (subagent_result has it whole).
constexpr std::size_t notification_summary_bytes = 600;

/// The notification for the parent when task `t` ends in `state` with
/// `result` (or `error`): which task, how it ended, a summary, and how to
/// read the whole result.
std::string notification_text(const task_record& t, protocol::task_state state,
                              const std::string& result, const std::string& error);

/// What subagent_status shows of a task: id, description, state, tokens,
/// cost, times, and its result's start or its error once it ended.
nlohmann::json task_status(const task_record& t);

/// What subagent_result answers: the whole result once it ended (with the
/// branch and diff stat of a worktree it kept), else its state.
std::string result_text(const task_record& t);

} // namespace boocode::agent
