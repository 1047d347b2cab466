#include "runtime/agent/approval_gate.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace boocode::agent {

approval_gate::approval_gate(int turn, const std::vector<chat::approval_answer>& answers)
  : turn_(turn) {
  for (auto& a : answers)
    answers_.emplace(a.id, a);
}

void approval_gate::refresh(turn_io& io, const tool_set& tools,
                            const std::vector<model::tool_call>& calls) {
  if (std::any_of(calls.begin(), calls.end(), [&](const model::tool_call& c) {
        return !tools.is_read_only(c.name).value_or(true);
      }))
    perms_ = io.permissions();
}

approval_gate::decision approval_gate::check(const model::tool_call& call,
                                             const std::string& step) const {
  decision d;
  if (!perms_)
    return d;
  auto args = nlohmann::json::parse(call.arguments.empty() ? "{}" : call.arguments, nullptr, false);
  if (args.is_discarded())
    return d; // the tool refuses it as it is
  auto reason = chat::approval_reason(*perms_, call.name, args);
  if (!reason)
    return d;
  d.id = chat::approval_id(turn_, step);
  auto answer = answers_.find(d.id);
  if (answer == answers_.end()) {
    d.what = verdict::wait;
    d.text = std::move(*reason);
  } else if (answer->second.decision == protocol::approval_decision::deny) {
    d.what = verdict::deny;
    d.text = answer->second.note;
  }
  return d;
}

approval_gate::decision approval_gate::decide(turn_io& io, const model::tool_call& call,
                                              const std::string& step) {
  auto d = check(call, step);
  if (d.what != verdict::run || d.id.empty())
    return d;
  if (answers_.at(d.id).decision != protocol::approval_decision::allow_always)
    return d;
  auto args = nlohmann::json::parse(call.arguments, nullptr, false);
  if (auto rule = chat::rule_for(call.name, args); rule && chat::add_rule(perms_->rules, *rule))
    io.add_allow_rule(*rule);
  return d;
}

tools::tool_result denied_result(const std::string& note, bool read_only) {
  tools::tool_result r;
  r.outcome = tools::tool_outcome::denied;
  r.text = "The user denied this call; it did not run.";
  if (!note.empty())
    r.text += " Their note: " + note;
  r.read_only = read_only;
  return r;
}

} // namespace boocode::agent
