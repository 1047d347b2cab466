#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include <caf/actor_system.hpp>
#include <spdlog/logger.h>

#include "runtime/messages.hpp"
#include "runtime/trace/trace_queue.hpp"

namespace boocode {

/// Stores a batch of rows; throws storage::storage_unavailable when the
/// database cannot be reached, another storage_error when it refuses them.
using trace_write_fn = std::function<void(const std::vector<trace::trace_record>&)>;

/// Writes what waits in `q`, `batch` rows per statement, until the queue is
/// empty (true) or the database cannot be reached (false: the rows are put
/// back). A batch the database refuses is written row by row and the rows it
/// still refuses are given up and logged, so one bad row never blocks the rest.
bool drain_traces(trace::trace_queue& q, const trace_write_fn& write, size_t batch,
                  spdlog::logger* log);

struct trace_writer_options {
  size_t batch = 500;
  /// First wait before retrying an unreachable database; doubles up to max_backoff.
  std::chrono::milliseconds min_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
  /// How long close() keeps retrying before it gives up on what is left.
  std::chrono::milliseconds close_deadline{5000};
  /// How long rows gather after the first one before they are written (0:
  /// at once): one statement for a burst of calls rather than one each, and
  /// no trace write in the middle of a turn's own commits.
  std::chrono::milliseconds gather{0};
  std::shared_ptr<spdlog::logger> log;
};

/// Spawns the trace writer (detached: writes block) on queue `q` and makes
/// the queue wake it.
trace_writer_actor spawn_trace_writer(caf::actor_system& sys, std::shared_ptr<trace::trace_queue> q,
                                      trace_write_fn write, trace_writer_options opts);

} // namespace boocode
