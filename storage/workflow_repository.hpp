#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/agent/task.hpp"
#include "runtime/workflow/records.hpp"
#include "storage/fence.hpp"

namespace boocode::storage {

class pool;

/// What starting a workflow run writes: its task (id "w_…"; its parent is the
/// chat or run that started it, whose inbox hears of its end), its script,
/// and its conversation row (workspace, owner, permissions, and how many of
/// its steps may run at once).
struct workflow_run_spec {
  agent::task_spawn task;
  std::string name;
  std::string source;
  nlohmann::json args = nullptr;
  nlohmann::json meta = nlohmann::json::object();
  std::optional<int64_t> budget;
  int concurrency = 3;
  /// For a run with no chat (task.chat_id == task.id, started over REST):
  /// where it works and whose it is. Otherwise copied from its chat.
  std::string workspace;
  std::string owner;
  protocol::cache_mode cache = protocol::cache_mode::on;
};

using workflow_run = workflow::run_record;
using journal_value = workflow::journal_entry;

/// The workflow_runs and workflow_journal tables (their steps are tasks:
/// task_repository). Over a connection of its own (not thread-safe) or a
/// pool's (thread-safe). Every call throws storage_error on failure.
class workflow_repository {
public:
  explicit workflow_repository(std::string conninfo);
  explicit workflow_repository(std::shared_ptr<pool> p);
  ~workflow_repository();

  /// Writes the run as a queued task with its script and conversation, in
  /// one commit, unless its parent's call wrote one before (a replayed
  /// turn or script): the stored run either way, and whether it is new.
  struct created {
    workflow_run run;
    bool fresh = false;
  };
  created create(const workflow_run_spec& s);

  std::optional<workflow_run> find(const std::string& id);
  /// The runs a chat started, newest first, at most `limit`.
  std::vector<workflow_run> for_chat(const std::string& chat_id, int limit);

  /// What the run's script recorded, in the order written.
  std::vector<journal_value> journal(const std::string& run_id);
  /// Records `v` under its path unless something is there already (a
  /// replay); false then. Throws `fenced` when `f` (the run's lease) no
  /// longer holds: another owner replays the run, and writes its own.
  bool record(const fence& f, const journal_value& v);
  /// Drops the notifications in the run's inbox: a run learns how its steps
  /// ended from their tasks (read after this, so none is missed).
  void forget_notes(const std::string& run_id);
  /// Drops one entry of the run's inbox (a notification it has read).
  void forget_note(const std::string& run_id, int64_t entry_id);
  /// The script's return value.
  void set_result(const std::string& run_id, const nlohmann::json& result);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace boocode::storage
