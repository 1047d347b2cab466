#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "runtime/agent/turn_io.hpp"
#include "runtime/metrics/node_metrics.hpp"
#include "runtime/protocol/states.hpp"

namespace boocode {

/// BooCode's own time per step of a turn: its wall time less the time its
/// model and tool calls took (`busy`), over its model calls; none for a
/// turn that called no model. Never below zero.
std::optional<double> step_overhead_seconds(std::chrono::steady_clock::duration wall,
                                            std::chrono::steady_clock::duration busy, int steps);

/// How a turn the kernel returned from ended, as boocode_turns_total names
/// it: the kernel's outcome, or "waiting" for one that stopped for an approval.
std::string_view turn_outcome_label(const agent::turn_summary& sum);

/// Counts a turn that ended (`outcome`: turn_outcome_label's, or "failed"
/// and "fenced" for a turn that threw) and, when given, its step overhead.
void count_turn(const metrics::node_metrics& m, protocol::actor_kind kind, std::string_view outcome,
                std::optional<double> overhead = std::nullopt);

} // namespace boocode
