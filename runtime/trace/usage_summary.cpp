#include "runtime/trace/usage_summary.hpp"

#include <algorithm>

namespace boocode::trace {

namespace {

template <class Key>
usage_line& line_of(std::vector<std::pair<Key, usage_line>>& lines, const Key& key) {
  auto it = std::find_if(lines.begin(), lines.end(), [&](const auto& l) { return l.first == key; });
  if (it != lines.end())
    return it->second;
  return lines.emplace_back(key, usage_line{}).second;
}

} // namespace

usage_line& usage_line::operator+=(const usage_line& o) {
  usage += o.usage;
  calls += o.calls;
  breaks += o.breaks;
  cost_usd += o.cost_usd;
  saved_usd += o.saved_usd;
  return *this;
}

double usage_line::hit_rate() const {
  return usage.prompt == 0
           ? 0.0
           : static_cast<double>(usage.cache_hit) / static_cast<double>(usage.prompt);
}

usage_summary summarise(const std::string& chat_id, const std::vector<usage_row>& rows) {
  usage_summary s;
  s.chat_id = chat_id;
  for (const auto& r : rows) {
    s.total += r.line;
    if (r.chat_id == chat_id) {
      s.own += r.line;
      line_of(s.turns, r.turn) += r.line;
    } else if (r.kind == protocol::actor_kind::workflow_step) {
      line_of(s.workflow_runs, r.parent) += r.line;
    } else {
      line_of(s.subagents, r.chat_id) += r.line;
    }
  }
  std::sort(s.turns.begin(), s.turns.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return s;
}

} // namespace boocode::trace
