#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/agent/task.hpp"
#include "runtime/chat/journal.hpp"

namespace boocode::storage {

class pool;

/// The tasks table: background subagents, their states and what they used,
/// read and written by any node. Over a connection of its own (not
/// thread-safe) or a pool's (thread-safe). Every call throws storage_error
/// on failure.
class task_repository {
public:
  explicit task_repository(std::string conninfo);
  explicit task_repository(std::shared_ptr<pool> p);
  ~task_repository();

  /// Writes `s` as a queued task, unless its parent's call (parent actor,
  /// turn, call id) wrote one before (a replayed turn): the stored task
  /// either way, and whether it is new. A new task gets its conversation in
  /// the same commit: a chats row of kind subagent under the task's id, on
  /// its parent's workspace, owner and permissions.
  struct created {
    agent::task_record task;
    bool fresh = false;
  };
  /// With `completed_with`, a new task is written completed with that
  /// result (a workflow step taken from the step cache): no notification.
  created create(const agent::task_spawn& s, const std::string* completed_with = nullptr);

  std::optional<agent::task_record> find(const std::string& id);
  /// The chat's tasks (at every depth), oldest first.
  std::vector<agent::task_record> for_chat(const std::string& chat_id);
  /// The tasks `parent_actor` (a chat or a task) spawned, oldest first.
  std::vector<agent::task_record> children(const std::string& parent_actor);

  /// queued → running on `node` when the limits allow it (running tasks of
  /// its chat below `per_chat`, of `node` below `per_node`; 0: no bound;
  /// starts on one node are serialized): its prompt goes into its inbox and
  /// its lease is placed on `node`, in the same commit. The prompt's inbox
  /// entry (to deliver), or nothing when it was not queued or must wait.
  std::optional<chat::inbox_entry> start(const std::string& id, const std::string& node,
                                         int per_chat = 0, int per_node = 0);
  /// Ends a task that has not ended (`state` is completed, failed or
  /// cancelled) and puts `note` into its parent's inbox (kind notification),
  /// in one commit. The notification's entry, or nothing when the task had
  /// ended already: an end (and its notification) is written once.
  std::optional<chat::inbox_entry> finish(const std::string& id, protocol::task_state state,
                                          const std::string& result, const std::string& error,
                                          const std::string& note);
  /// Adds a model call's tokens and cost to the task's totals, and to the
  /// workflow runs above it.
  void add_usage(const std::string& id, const agent::task_usage& u, double cost_usd);
  /// Where the task's git worktree is, and its branch; the worktree becomes
  /// its conversation's workspace (its tools are confined to it).
  void set_worktree(const std::string& id, const std::string& path, const std::string& branch);

  /// A workflow step's cache note, changed (it could not be stored: why).
  void set_cache(const std::string& id, const agent::step_cache_note& note);
  /// The tasks `parent_actor` spawned that have not ended.
  int64_t live_children(const std::string& parent_actor);
  /// Tasks running now, of a chat and on a node (the limits).
  int64_t running_for_chat(const std::string& chat_id);
  int64_t running_on_node(const std::string& node);
  /// The oldest queued tasks, at most `limit`, in the order they were made.
  std::vector<agent::task_record> queued(int limit);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace boocode::storage
