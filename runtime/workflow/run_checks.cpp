#include "runtime/workflow/run_checks.hpp"

#include <fmt/format.h>

namespace boocode::workflow {

std::optional<std::string> agent_cap_refusal(int started, int most) {
  if (started < most)
    return std::nullopt;
  return fmt::format("this run has asked for {} agents, the most one run may (node option "
                     "workflow-agents); finish with what you have",
                     most);
}

std::optional<std::string> replay_mismatch(const agent::task_record& step,
                                           const std::string& spec_hash) {
  if (step.spawn.spec_hash.empty() || step.spawn.spec_hash == spec_hash)
    return std::nullopt;
  return fmt::format("on replay, the agent() at {} asked something else than when it ran (its "
                     "prompt or options changed: does the script depend on the order agents "
                     "finish?); it was given the result it had recorded",
                     step.spawn.call_id);
}

token_projection project_tokens(const std::map<std::string, agent::task_record>& steps) {
  token_projection p;
  int64_t ended_tokens = 0;
  for (const auto& [path, t] : steps) {
    auto tokens = t.usage.input + t.usage.output;
    p.spent += tokens;
    if (agent::is_final(t.state)) {
      ++p.ended;
      ended_tokens += tokens;
    } else {
      ++p.live;
    }
  }
  p.projected = p.spent;
  if (p.ended > 0)
    p.projected += p.live * (ended_tokens / p.ended);
  return p;
}

std::optional<std::string> token_warning(const token_projection& p, int64_t threshold,
                                         bool is_budget) {
  if (p.ended == 0 || p.projected <= threshold)
    return std::nullopt;
  return fmt::format("projected tokens {} pass {} {} ({} spent; {} steps ended, {} still to end "
                     "at their average)",
                     p.projected, is_budget ? "the run's budget" : "the warning threshold",
                     threshold, p.spent, p.ended, p.live);
}

} // namespace boocode::workflow
