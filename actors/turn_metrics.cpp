#include "actors/turn_metrics.hpp"

#include <algorithm>

namespace boocode {

std::optional<double> step_overhead_seconds(std::chrono::steady_clock::duration wall,
                                            std::chrono::steady_clock::duration busy, int steps) {
  if (steps <= 0)
    return std::nullopt;
  auto own = std::max(wall - busy, std::chrono::steady_clock::duration::zero());
  return std::chrono::duration<double>(own).count() / steps;
}

std::string_view turn_outcome_label(const agent::turn_summary& sum) {
  return sum.waiting ? std::string_view{"waiting"} : protocol::to_string(sum.outcome);
}

void count_turn(const metrics::node_metrics& m, protocol::actor_kind kind, std::string_view outcome,
                std::optional<double> overhead) {
  m.turns.with({protocol::to_string(kind), outcome}).inc();
  if (overhead)
    m.step_overhead.observe(*overhead);
}

} // namespace boocode
