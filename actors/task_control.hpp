#pragma once

#include <string>

#include "actors/session_deps.hpp"
#include "runtime/agent/task.hpp"
#include "runtime/chat/journal.hpp"

namespace boocode {

/// Starts, stops and announces background subagents (tasks) for any code of
/// a node off the actors' threads: turn workers, REST handlers. Every call
/// blocks on the database. Cheap to make: it borrows the node's deps.
class task_control {
public:
  explicit task_control(const session_deps& deps) : deps_(deps) {}

  /// Starts task `id` on this node when it is queued and the limits allow:
  /// its prompt goes to its subagent, its chat's browsers are told.
  /// Whether it started.
  bool try_start(const std::string& id);
  /// Starts the queued tasks the limits allow now, oldest first (after a
  /// task ended, room may have opened).
  void start_queued();
  /// Stops task `id` and the tasks it started, deepest first: a queued one
  /// ends cancelled here (notifying its parent), a running one is cancelled
  /// in its subagent (whose turn ends it). How many were not ended yet.
  int cancel_tree(const std::string& id);
  /// Stops every task of chat `chat_id` that has not ended (Stop all; the
  /// chat archived). How many.
  int cancel_chat(const std::string& chat_id);
  /// Tells the browsers of task `t`'s chat that it changed (task_update).
  void announce(const agent::task_record& t);
  /// The same for the task as stored now (nothing for an unknown one).
  void announce(const std::string& id);
  /// Hands `entry` (in the inbox already, or a task_event) to actor `actor`.
  void deliver(const std::string& actor, const chat::inbox_entry& entry);

private:
  const session_deps& deps_;
};

} // namespace boocode
