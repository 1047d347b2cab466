#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include <spdlog/logger.h>

#include "runtime/model/provider.hpp"
#include "runtime/tools/tool_context.hpp"
#include "runtime/trace/trace.hpp"
#include "storage/session_repository.hpp"

namespace boocode {

/// What every session and turn worker of a node shares; built once by the
/// composition root and never changed afterwards.
struct session_deps {
  std::string conninfo;
  /// This node's id: the owner named in the leases it takes.
  std::string node_id;
  /// The cluster it belongs to (new chats are placed on its nodes).
  std::string cluster = "default";
  std::shared_ptr<model::model_provider> provider;
  tools::tool_limits limits;
  int max_fix_attempts = 3;
  std::shared_ptr<spdlog::logger> log;
  /// Where traced calls go (the trace queue); null: calls are not traced.
  std::shared_ptr<trace::trace_sink> traces;
  std::shared_ptr<trace::id_source> trace_ids;
  /// Turns running now (the node waits for them to end before it stops).
  std::shared_ptr<std::atomic<int>> running_turns = std::make_shared<std::atomic<int>>(0);
};

/// A chat's database connection, kept by its session across turns (a new
/// connection per turn costs a PostgreSQL backend start). Used by the
/// session's loader and turn workers, on their own threads, one call at a time.
struct shared_repository {
  explicit shared_repository(std::string conninfo) : repo(std::move(conninfo)) {}

  template <class F>
  auto with(F&& f) {
    std::lock_guard guard{mtx};
    return f(repo);
  }

private:
  std::mutex mtx;
  storage::session_repository repo;
};

} // namespace boocode
