#include "actors/session_deps.hpp"

namespace boocode {

void connect_storage(session_deps& deps, const std::string& conninfo, int pool_size) {
  deps.db = std::make_shared<storage::pool>(conninfo, pool_size);
  deps.sessions = std::make_shared<storage::session_repository>(deps.db);
  deps.chats = std::make_shared<storage::chat_repository>(deps.db);
  deps.approvals = std::make_shared<storage::approval_repository>(deps.db);
  deps.tasks = std::make_shared<storage::task_repository>(deps.db);
  deps.workflows = std::make_shared<storage::workflow_repository>(deps.db);
  deps.step_cache = std::make_shared<storage::step_cache_repository>(deps.db);
  deps.trace_store = std::make_shared<storage::trace_repository>(deps.db);
  deps.blocking = std::make_shared<work_queue>(pool_size);
}

void stop_work(const session_deps& deps) {
  if (deps.turns)
    deps.turns->stop();
  if (deps.blocking)
    deps.blocking->stop();
}

} // namespace boocode
