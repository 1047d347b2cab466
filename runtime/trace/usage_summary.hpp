#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "runtime/model/usage.hpp"
#include "runtime/protocol/states.hpp"

// What a chat's model calls used and cost, by turn, subagent and workflow
// run (GET /api/chats/:id/usage), summed from their traces.

namespace boocode::trace {

/// Some model calls, summed.
struct usage_line {
  model::token_usage usage;
  int64_t calls = 0;
  int64_t breaks = 0; // calls whose prompt cache broke
  double cost_usd = 0;
  double saved_usd = 0; // what the cached tokens would have cost more at the input price
  usage_line& operator+=(const usage_line& o);
  /// cache_hit / prompt (0 with no prompt).
  double hit_rate() const;
};

/// The model calls of one actor in one turn, as the traces store them.
struct usage_row {
  std::string chat_id; // the actor's own chat
  protocol::actor_kind kind = protocol::actor_kind::session;
  std::string parent; // the chat, task or run it belongs to
  int turn = 0;
  usage_line line;
};

struct usage_summary {
  std::string chat_id;
  usage_line total; // the chat's calls and those of every agent it started
  usage_line own;   // the chat's own calls
  std::vector<std::pair<int, usage_line>> turns;                 // own, by turn
  std::vector<std::pair<std::string, usage_line>> subagents;     // by task id
  std::vector<std::pair<std::string, usage_line>> workflow_runs; // by run id, its steps' calls
};

/// Sums the rows of chat `chat_id` and the agents it started.
usage_summary summarise(const std::string& chat_id, const std::vector<usage_row>& rows);

} // namespace boocode::trace
