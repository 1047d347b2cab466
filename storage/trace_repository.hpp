#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/model/cache_break.hpp"
#include "runtime/trace/trace.hpp"
#include "runtime/trace/trace_query.hpp"
#include "runtime/trace/usage_summary.hpp"

namespace boocode::storage {

class pool;

/// The tool_traces table. Over a connection of its own (not thread-safe)
/// or a pool's (thread-safe). Every call throws storage_error on failure
/// (storage_unavailable when the database cannot be reached).
class trace_repository {
public:
  /// With a connection of its own, whose commits do not wait for the disk
  /// (synchronous_commit off): the trace writer's. Its rows reach the disk
  /// with the next durable commit, or within PostgreSQL's WAL writer delay
  /// (200 ms by default); only a crash of the database's machine in that
  /// window loses them, and a trace is telemetry, not the agent's state.
  /// A turn's own commits then never wait behind a trace write's flush.
  explicit trace_repository(std::string conninfo);
  /// Borrowing the connections of `p` (thread-safe then).
  explicit trace_repository(std::shared_ptr<pool> p);
  ~trace_repository();

  /// Stores the rows in one autocommitted statement, in order. A row whose id is stored
  /// already is skipped, so a batch may be written again after a failure.
  void insert(const std::vector<trace::trace_record>& rows);

  /// One page of the chat's traces in write order, after `q.cursor`.
  trace::trace_page page(const std::string& chat_id, const trace::trace_query& q);

  /// The last model call of `actor_id` that has a prompt cache, as the
  /// next call compares with it; failing that, when the actor is a chat
  /// forked from another, that chat's last one (chat_id set to it).
  std::optional<model::prior_call> last_model_call(const std::string& actor_id);

  /// The model calls of chat `chat_id` and of every agent it started
  /// (subagents, workflow runs' steps, theirs), summed per actor and turn.
  std::vector<trace::usage_row> usage(const std::string& chat_id);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace boocode::storage
