#include "actors/turn_worker.hpp"

#include <algorithm>

#include <caf/all.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/step_cache_jobs.hpp"
#include "actors/task_host.hpp"
#include "actors/turn_metrics.hpp"
#include "actors/worker_io.hpp"
#include "net/otlp_exporter.hpp"
#include "runtime/agent/agent_tools.hpp"
#include "runtime/agent/auto_fix.hpp"
#include "runtime/agent/kernel.hpp"
#include "runtime/agent/workspace_tools.hpp"
#include "runtime/chat/system_prompt.hpp"
#include "runtime/logging.hpp"
#include "runtime/trace/span_ids.hpp"
#include "storage/storage_error.hpp"

namespace boocode {

namespace {

using turn_detail::id_block;
using turn_detail::worker_io;

/// Fills `mem` from what the database has of the chat.
void remember(chat_memory& mem, const chat::session_image& img) {
  mem.turns = img.chat.turns;
  mem.usage = img.usage();
  mem.workspace = img.chat.workspace;
  mem.build_command = img.chat.build_command;
  mem.system_prompt = img.chat.is_subagent() ? chat::subagent_system_prompt(img.chat.workspace)
                                             : chat::default_system_prompt(img.chat.workspace);
  std::vector<model::chat_message> messages;
  messages.reserve(img.history.size());
  for (auto& m : img.history)
    messages.push_back(chat::to_model_message(m));
  mem.conversation = model::conversation{std::move(messages)};
}

/// The turn to run and what it starts from.
struct turn_plan {
  int turn = 0;
  std::optional<chat::turn_journal> resume;   // the turn in progress, cut short earlier
  std::vector<chat::approval_answer> answers; // to its approval requests
  std::vector<int64_t> user_message_ids;      // what it took from the inbox
  std::vector<int64_t> ids;                   // message ids reserved for it (may be none)
  bool begin_behind = false;                  // not begun yet: its first write begins it
  size_t first_message = 0;                   // its first message's index in the conversation

  /// Takes `entries` (in id order) as the turn's user messages.
  void take(const std::vector<chat::inbox_entry>& entries, const std::string& chat_id,
            chat_memory& mem) {
    first_message = mem.conversation.size();
    for (auto e : entries) {
      e.taken_turn = turn;
      mem.conversation.append(chat::to_model_message(e.as_message(chat_id)));
      user_message_ids.push_back(e.id);
    }
  }
};

/// The next turn from `mem`, with the inbox entries the session gave it: no
/// round trip before it starts (its begin goes behind it).
turn_plan begin_with_given(const storage::fence& fence, chat_memory& mem,
                           std::vector<chat::inbox_entry>& given) {
  turn_plan plan;
  plan.turn = mem.turns + 1;
  plan.begin_behind = true;
  std::sort(given.begin(), given.end(), [](auto& a, auto& b) { return a.id < b.id; });
  plan.take(given, fence.actor_id, mem);
  return plan;
}

/// Begins the next turn from `mem` (kept from the last turn): one round
/// trip. None when nothing waits (idle) or `mem` is out of date (then it is
/// marked so and the caller reads the chat).
std::optional<turn_plan> begin_from_memory(storage::session_repository& repo,
                                           const storage::fence& fence, chat_memory& mem,
                                           bool& idle) {
  turn_plan plan;
  plan.turn = mem.turns + 1;
  auto begun = repo.begin_turn(fence, plan.turn, id_block);
  if (begun.state == storage::turn_begun::nothing_waiting) {
    idle = true;
    return std::nullopt;
  }
  if (begun.state == storage::turn_begun::stale)
    return std::nullopt;
  plan.take(begun.taken, fence.actor_id, mem);
  plan.ids = std::move(begun.ids);
  return plan;
}

/// Reads the chat, fills `mem`, and resumes the turn in progress or begins
/// the next one. None when there is nothing to do.
std::optional<turn_plan> begin_from_database(storage::session_repository& repo,
                                             const storage::fence& fence, chat_memory& mem) {
  const auto& chat_id = fence.actor_id;
  auto img = repo.load(chat_id);
  if (!img || img->chat.archived || !img->has_work())
    return std::nullopt;
  turn_plan plan;
  if (img->in_progress) {
    plan.turn = img->in_progress->turn;
    img->chat.turns = plan.turn - 1; // begun: its checkpoint makes it the last one
    remember(mem, *img);
    plan.first_message = mem.conversation.size();
    for (auto& e : img->inbox)
      if (e.taken_turn == plan.turn && e.is_message())
        mem.conversation.append(chat::to_model_message(e.as_message(chat_id)));
    plan.answers = img->answers();
    plan.resume = std::move(img->in_progress);
    return plan;
  }
  remember(mem, *img);
  plan.turn = img->chat.turns + 1;
  auto begun = repo.begin_turn(fence, plan.turn, id_block);
  if (begun.state != storage::turn_begun::started)
    return std::nullopt;
  plan.take(begun.taken, chat_id, mem);
  plan.ids = std::move(begun.ids);
  return plan;
}

/// A subagent's checkpoint ended its task: its parent is notified, its
/// chat's browsers told, and a queued task may start in its place.
void task_ended(const session_deps& deps, const agent::task_record& task,
                const chat::inbox_entry& note) {
  task_control control{deps};
  if (note.id != 0)
    control.deliver(task.spawn.parent_actor, note);
  try {
    control.announce(task.spawn.id);
    // Ended without finishing: the tasks it started stop with it.
    if (auto now = deps.tasks->find(task.spawn.id);
        now && agent::is_final(now->state) && now->state != protocol::task_state::completed)
      for (const auto& child : deps.tasks->children(task.spawn.id))
        control.cancel_tree(child.spawn.id);
    control.start_queued();
  } catch (const std::exception& e) { // the end is stored; the queue moves at the next end
    if (deps.log)
      deps.log->warn("task {} ended, but the tasks after it did not start: {}", task.spawn.id,
                     e.what());
  }
}

/// The OpenTelemetry trace of `actor_id`'s turn `turn` when spans are
/// exported (null otherwise): a subagent's or step's parents are read once.
std::shared_ptr<const trace::turn_trace> otel_trace_of(const session_deps& deps,
                                                       const std::string& actor_id, int turn,
                                                       const agent::task_record* task) {
  if (!deps.spans)
    return nullptr;
  return std::make_shared<trace::turn_trace>(
    trace::turn_trace_of(actor_id, turn, task != nullptr ? &task->spawn : nullptr,
                         [&deps](const std::string& id) { return deps.tasks->find(id); }));
}

/// The whole turn; blocking. Returns how it ended. `mem` is valid afterwards
/// only if the turn reached its checkpoint (or found nothing to do).
turn_done run_worker(const std::shared_ptr<const session_deps>& deps,
                     storage::session_repository& repo, const storage::fence& fence,
                     const std::shared_ptr<cancel_token>& cancel, const session_actor& session,
                     chat_memory& mem, std::vector<chat::inbox_entry> given) {
  const auto& chat_id = fence.actor_id;
  auto kind = protocol::kind_of_actor(chat_id);
  log_scope logging{{chat_id, 0, chat_id}};
  int turn = 0;
  bool kept = mem.valid;
  mem.valid = false; // until this turn's checkpoint
  try {
    std::optional<turn_plan> plan;
    bool idle = false;
    if (kept && !given.empty())
      plan = begin_with_given(fence, mem, given);
    else if (kept)
      plan = begin_from_memory(repo, fence, mem, idle);
    if (idle) {
      mem.valid = true;
      return turn_done::idle;
    }
    if (!plan)
      plan = begin_from_database(repo, fence, mem);
    if (!plan)
      return turn_done::idle;
    turn = plan->turn;
    if ((kind == protocol::actor_kind::subagent || kind == protocol::actor_kind::workflow_step) &&
        !mem.task) {
      mem.task = deps->tasks->find(chat_id);
      if (!mem.task)
        throw storage::storage_error("subagent " + chat_id + " has no task");
    }
    tools::tool_context ctx;
    ctx.workspace = mem.workspace;
    ctx.limits = deps->limits;
    ctx.cancel = cancel;
    ctx.sandbox = deps->sandbox;
    // A cached workflow step's reads and writes are recorded from its start
    // (a resumed turn's earlier calls were not seen: it is not stored).
    std::shared_ptr<step_cache::recorder> recorded;
    if (mem.task && mem.task->spawn.cache && mem.task->spawn.cache->write && !plan->resume) {
      recorded = std::make_shared<step_cache::recorder>(mem.workspace, step_cache::record_limits{});
      ctx.observer = recorded;
    }
    // view_image where the node sends images (it stores what it opens).
    if (deps->attachments &&
        (deps->vision.mode != chat::vision_mode::off || deps->vision.vision_model != nullptr))
      ctx.images = deps->attachments->attacher_for(chat_id);
    agent::workspace_tools workspace{std::move(ctx)};
    const auto* task = mem.task ? &*mem.task : nullptr;
    int depth = task != nullptr ? task->spawn.depth : 0;
    worker_task_host host{
      *deps,
      {task != nullptr ? task->spawn.chat_id : chat_id, chat_id, turn, depth, mem.workspace},
      *cancel};
    // The subagent tools only where a spawn could nest no deeper than allowed.
    bool may_spawn = depth < deps->task_limits.max_depth;
    agent::agent_tools tools{workspace, may_spawn ? &host : nullptr,
                             task != nullptr ? task->spawn.tools : std::nullopt};
    agent::spec spec{mem.system_prompt, &tools, deps->provider.get(), deps->turn_limits, {}};
    if (task != nullptr)
      spec.model_name = task->spawn.model;
    spec.vision = deps->vision;
    spec.cache = &mem.prompt_cache;
    spec.prices = &deps->prices;
    spec.cache_key = chat_id;
    spec.vision.images = deps->attachments.get();
    // A workflow step's maxTurns bounds its model calls below the node's.
    if (task != nullptr && task->spawn.max_turns > 0)
      spec.limits.max_model_calls = std::min(
        spec.limits.max_model_calls > 0 ? spec.limits.max_model_calls : task->spawn.max_turns,
        task->spawn.max_turns);
    std::optional<agent::auto_fix> fix;
    if (mem.build_command) {
      fix.emplace(
        *mem.build_command, deps->max_fix_attempts,
        [&workspace](const std::vector<std::string>& argv) { return workspace.run_command(argv); });
      spec.hooks.push_back(&*fix);
    }
    worker_io io{*deps, repo, fence, turn, session, mem, std::move(plan->ids), workspace};
    if (plan->begin_behind)
      io.begin_behind(plan->user_message_ids);
    const auto* resume = plan->resume ? &*plan->resume : nullptr;
    trace::tracer tracer{
      deps->traces.get(), deps->trace_ids.get(), chat_id,
      trace::actor_ref{kind, chat_id, task != nullptr ? task->spawn.parent_actor : ""}};
    agent::turn_input in{turn, std::move(plan->user_message_ids), resume, std::move(plan->answers),
                         plan->first_message};
    const auto& root_chat = task != nullptr ? task->spawn.chat_id : chat_id;
    // A subagent's or step's lines name its parent chat and itself.
    log_scope turn_logging{{root_chat, turn, chat_id}};
    auto otel = otel_trace_of(*deps, chat_id, turn, task);
    tracer.set_otel(otel);
    auto t0 = std::chrono::steady_clock::now();
    auto started_us = trace::now_us();
    auto sum = agent::run_turn(spec, in, mem.conversation, io, *cancel, &tracer);
    auto overhead =
      step_overhead_seconds(std::chrono::steady_clock::now() - t0, tracer.busy(), sum.model_calls);
    auto outcome = turn_outcome_label(sum);
    count_turn(*deps->metrics, kind, outcome,
               sum.outcome == protocol::turn_outcome::completed && !sum.waiting ? overhead
                                                                                : std::nullopt);
    if (deps->spans)
      deps->spans->add_turn({otel, chat_id, kind, turn, started_us, trace::now_us(),
                             std::string{outcome}, sum.usage, sum.model_calls});
    if (deps->log)
      deps->log->info(
        "chat {} turn {} {}{} ({} model calls, {} prompt / {} cached / {} output tokens)", chat_id,
        turn, sum.waiting ? "waits for an approval" : protocol::to_string(sum.outcome),
        resume != nullptr ? " (resumed)" : "", sum.model_calls, sum.usage.prompt,
        sum.usage.cache_hit, sum.usage.completion);
    if (sum.waiting)
      return turn_done::waiting;
    if (sum.outcome == protocol::turn_outcome::interrupted)
      return turn_done::interrupted;
    mem.turns = turn;
    mem.usage += sum.usage;
    mem.valid = true;
    if (task != nullptr)
      task_ended(*deps, *task, io.note());
    // Stored after its end is delivered: a store stuck on the database holds
    // up no run, and a re-run a moment later at worst runs the step again.
    if (recorded)
      store_step(*deps, chat_id, *recorded);
    return io.waiting() > 0 ? turn_done::more : turn_done::checkpointed;
  } catch (const storage::fenced& e) {
    count_turn(*deps->metrics, kind, "fenced");
    deps->metrics->fencing_refusals.inc();
    if (deps->log)
      deps->log->warn("chat {} turn {} stopped: {}", chat_id, turn, e.what());
    return turn_done::fenced;
  } catch (const std::exception& e) {
    if (cancel->reason() == cancel_reason::shutdown)
      return turn_done::interrupted;
    count_turn(*deps->metrics, kind, "failed");
    if (deps->log)
      deps->log->error("chat {} turn {} failed: {}", chat_id, turn, e.what());
    chat::event_batch failed{
      chat::error_raised{protocol::turn_error::turn_failed,
                         std::string(e.what()) + " (the turn resumes from its journal)"}};
    caf::anon_send(session, events_atom::value, std::move(failed));
    return turn_done::failed;
  }
}

} // namespace

void spawn_turn_worker(std::shared_ptr<const session_deps> deps, storage::fence fence,
                       std::shared_ptr<cancel_token> cancel, session_actor session,
                       std::shared_ptr<chat_memory> memory, std::vector<chat::inbox_entry> given) {
  ++*deps->running_turns;
  deps->turns->post([deps, fence, cancel, session, memory, given = std::move(given)]() mutable {
    // Queued behind other turns while the node stopped: not started at all
    // (its messages wait in the inbox for the next start).
    auto how =
      cancel->reason() == cancel_reason::shutdown
        ? turn_done::interrupted
        : run_worker(deps, *deps->sessions, fence, cancel, session, *memory, std::move(given));
    caf::anon_send(session, turn_done_atom::value, how);
    --*deps->running_turns;
  });
}

} // namespace boocode
