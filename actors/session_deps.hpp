#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "actors/actor_counts.hpp"
#include "actors/actor_router.hpp"
#include "actors/attachment_store.hpp"
#include "runtime/agent/spec.hpp"
#include "runtime/agent/subagent_tools.hpp"
#include "runtime/metrics/node_metrics.hpp"
#include "runtime/model/prices.hpp"
#include "runtime/model/provider.hpp"
#include "runtime/tools/tool_context.hpp"
#include "runtime/trace/trace.hpp"
#include "runtime/work_queue.hpp"
#include "storage/approval_repository.hpp"
#include "storage/chat_repository.hpp"
#include "storage/pool.hpp"
#include "storage/session_repository.hpp"
#include "storage/step_cache_repository.hpp"
#include "storage/task_repository.hpp"
#include "storage/trace_repository.hpp"
#include "storage/workflow_repository.hpp"

namespace boocode::sandbox {
class engine;
} // namespace boocode::sandbox

namespace boocode::net {
class otlp_exporter;
} // namespace boocode::net

namespace boocode {

/// What every session and turn worker of a node shares; built once by the
/// composition root and never changed afterwards.
struct session_deps {
  /// The node's bounded database pool, and the session tables over it
  /// (thread-safe): no session holds a connection of its own.
  std::shared_ptr<storage::pool> db;
  std::shared_ptr<storage::session_repository> sessions;
  /// The chats (their permissions) and their approvals, over the same pool.
  std::shared_ptr<storage::chat_repository> chats;
  std::shared_ptr<storage::approval_repository> approvals;
  /// Background subagents (tasks), over the same pool, and their bounds.
  std::shared_ptr<storage::task_repository> tasks;
  agent::task_limits task_limits;
  /// Workflow runs (their steps are tasks), over the same pool; the sandbox
  /// their scripts run in (null: this node runs no workflows); the home
  /// whose ~/.boocode/workflows holds a user's scripts.
  std::shared_ptr<storage::workflow_repository> workflows;
  /// The step cache, over the same pool, and when it was last swept (µs).
  std::shared_ptr<storage::step_cache_repository> step_cache;
  /// The traces, over the same pool: an agent's last model call is read
  /// from them once when it loads (the prompt cache's break check).
  std::shared_ptr<storage::trace_repository> trace_store;
  std::shared_ptr<std::atomic<int64_t>> cache_swept_us = std::make_shared<std::atomic<int64_t>>(0);
  std::shared_ptr<sandbox::engine> scripts;
  agent::workflow_limits workflow_limits;
  std::string home;
  /// What models' tokens cost: each model call's and a task's cost.
  model::price_table prices;
  /// The node's registry, for turn workers that start, cancel and notify
  /// actors (set when the registry starts).
  std::shared_ptr<actor_router> router = std::make_shared<actor_router>();
  /// A new chat's permission mode when its creator names none: `ask` on a
  /// node with users, `allow` on an open (loopback, no users) one.
  protocol::permission_mode default_mode = protocol::permission_mode::ask;
  /// Where sessions run their blocking loads and saves (a few threads).
  std::shared_ptr<work_queue> blocking;
  /// Where turns run (a thread each while they run, at most its size).
  std::shared_ptr<work_queue> turns = std::make_shared<work_queue>(256);
  /// This node's id: the owner named in the leases it takes.
  std::string node_id;
  /// The cluster it belongs to (new chats are placed on its nodes).
  std::string cluster = "default";
  std::shared_ptr<model::model_provider> provider;
  /// Image attachments (null: the node takes none), and how model calls
  /// send them: the mode, whether the endpoint refused them, the vision
  /// endpoint (its provider is kept alive by `vision_provider`).
  std::shared_ptr<attachment_store> attachments;
  agent::vision_setup vision{chat::vision_mode::automatic,
                             std::make_shared<std::atomic<bool>>(false)};
  std::shared_ptr<model::model_provider> vision_provider;
  tools::tool_limits limits;
  /// The OS sandbox of run_command and the auto-fix build; null: unconfined.
  std::shared_ptr<const tools::sandbox_policy> sandbox;
  /// Bounds on each chat turn (model calls, tokens, wall time).
  agent::limits turn_limits;
  int max_fix_attempts = 3;
  std::shared_ptr<spdlog::logger> log;
  /// The node's metrics (by default a registry of their own, as in tests).
  std::shared_ptr<metrics::registry> metric_registry = std::make_shared<metrics::registry>();
  std::shared_ptr<metrics::node_metrics> metrics =
    std::make_shared<metrics::node_metrics>(*metric_registry);
  /// Where traced calls go (the trace queue); null: calls are not traced.
  std::shared_ptr<trace::trace_sink> traces;
  std::shared_ptr<trace::id_source> trace_ids;
  /// Where turns' spans go (and, through `traces`, their calls'); null: no
  /// OpenTelemetry export.
  std::shared_ptr<net::otlp_exporter> spans;
  /// Turns running now (the node waits for them to end before it stops).
  std::shared_ptr<std::atomic<int>> running_turns = std::make_shared<std::atomic<int>>(0);
  /// Actors loaded and unloaded now, by kind.
  std::shared_ptr<actor_counts> counts = std::make_shared<actor_counts>();
  /// A session with no turn running, no subscribers and nothing waiting for
  /// this long saves its frame seq and drops its state (0: never).
  std::chrono::milliseconds passivate_after{std::chrono::minutes(3)};
};

/// Gives `deps` its storage: a pool of `pool_size` connections to
/// `conninfo`, the session tables over it, and as many threads to run the
/// sessions' blocking loads and saves.
void connect_storage(session_deps& deps, const std::string& conninfo, int pool_size);

/// Ends the node's turn and storage threads, waiting for the jobs running
/// (drops the queued ones): before the actor system they send to ends.
void stop_work(const session_deps& deps);

} // namespace boocode
