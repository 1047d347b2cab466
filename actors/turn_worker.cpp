#include "actors/turn_worker.hpp"

#include <algorithm>
#include <filesystem>

#include <caf/all.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "actors/task_host.hpp"
#include "runtime/agent/agent_tools.hpp"
#include "runtime/agent/auto_fix.hpp"
#include "runtime/agent/kernel.hpp"
#include "runtime/agent/task_text.hpp"
#include "runtime/agent/workspace_tools.hpp"
#include "runtime/agent/worktree.hpp"
#include "runtime/chat/system_prompt.hpp"
#include "runtime/protocol/records.hpp"
#include "runtime/serial_jobs.hpp"
#include "storage/storage_error.hpp"

namespace boocode {

namespace {

/// How many message ids a turn reserves at a time.
constexpr int id_block = 16;

/// Now as the API writes times: ISO 8601, UTC, milliseconds.
std::string now_iso_millis() {
  auto us = trace::iso_time(trace::now_us()); // ...SS.uuuuuuZ
  return us.substr(0, us.size() - 4) + 'Z';
}

/// A chat turn's durable side effects for real: journal, checkpoint, session.
/// Journal writes go behind the turn (serial_jobs on the node's blocking
/// threads) while it goes on; make_durable() and the checkpoint wait for them.
/// Messages get their ids from a block reserved with the turn's begin, so
/// their frames go out at once.
class worker_io final : public agent::turn_io {
public:
  worker_io(const session_deps& deps, storage::session_repository& repo,
            const storage::fence& fence, int turn, session_actor session, const chat_memory& mem,
            std::vector<int64_t> ids, agent::workspace_tools& tools)
    : deps_(deps), repo_(repo), chats_(*deps.chats), tasks_(*deps.tasks), fence_(fence),
      turn_(turn), session_(std::move(session)), usage_before_(mem.usage), seq_(mem.seq),
      ids_(std::move(ids)), tools_(tools), task_(mem.task ? &*mem.task : nullptr),
      writes_(deps.blocking) {}

  chat::chat_permissions permissions() override {
    auto p = chats_.permissions(fence_.actor_id);
    tools_.allow_network(p.network);
    tools_.set_variables(chat::environment_entries(p.variables));
    return p;
  }

  void add_allow_rule(const chat::allow_rule& rule) override {
    chats_.add_allow_rule(fence_.actor_id, rule);
  }

  chat::message_record journal_message(const std::string& step, chat::message_record m,
                                       const chat::tool_intent* next) override {
    identify(m);
    std::optional<chat::tool_intent> intent;
    if (next != nullptr)
      intent = *next;
    auto write = [&repo = repo_, fence = fence_, turn = turn_, step, m, intent] {
      repo.journal_message(fence, turn, step, m, intent ? &*intent : nullptr);
    };
    if (intent && intent->changes) // make_durable() comes next: this thread writes it
      writes_.hold(std::move(write));
    else
      writes_.post(std::move(write));
    count_usage(m);
    return m;
  }

  void journal_step(const std::string& step, const std::string& kind,
                    const nlohmann::json& data) override {
    auto write = [&repo = repo_, fence = fence_, turn = turn_, step, kind, data] {
      repo.journal(fence, turn, step, kind, data);
    };
    // An intent is waited for next (make_durable), or is of a read-only call,
    // which runs again whether it landed or not: it goes with what follows.
    if (kind == "intent")
      writes_.hold(std::move(write));
    else
      writes_.post(std::move(write));
  }

  void make_durable() override { writes_.wait(); }

  /// Begins the turn behind it, as the first of its writes: it takes the
  /// inbox entries `given` and no others, and reserves the turn's message
  /// ids, which identify() waits for. A begin that finds the chat changed
  /// fails the turn before anything it does is stored or changes a file.
  void begin_behind(std::vector<int64_t> given) {
    ids_behind_ = true;
    writes_.post(
      [&repo = repo_, fence = fence_, turn = turn_, given = std::move(given), &ids = begun_ids_] {
        auto begun = repo.begin_turn(fence, turn, id_block, &given);
        if (begun.state != storage::turn_begun::started)
          throw storage::storage_error(fmt::format(
            "chat {} changed under its session: turn {} could not begin", fence.actor_id, turn));
        ids = std::move(begun.ids);
      });
  }

  void publish(chat::event_batch batch) override {
    caf::anon_send(session_, events_atom::value, std::move(batch));
  }

  /// The checkpoint: the turn's messages, summary, inbox, and the session's
  /// state with the chat's usage totals.
  void end_turn(const agent::turn_summary& sum, chat::message_record* answer) override {
    writes_.wait(); // the journal first: the checkpoint moves it into history
    if (answer != nullptr) {
      identify(*answer);
      count_usage(*answer);
      writes_.wait();
    }
    auto totals = usage_before_;
    totals += sum.usage;
    storage::checkpoint_request req;
    req.turn = turn_;
    req.last_seq = seq_.load(std::memory_order_relaxed);
    req.state = {{"turn", turn_}, {"last_seq", req.last_seq}, {"usage", protocol::to_json(totals)}};
    req.outcome = sum.outcome;
    req.error = sum.error;
    req.usage = sum.usage;
    req.model_calls = sum.model_calls;
    // A subagent ends with its turn, unless the turn completed while tasks
    // of its own still run: their notifications start its next turn.
    if (task_ != nullptr && (sum.outcome != protocol::turn_outcome::completed ||
                             tasks_.live_children(task_->spawn.id) == 0))
      req.ends_task = task_end(sum, answer);
    waiting_ = repo_.checkpoint(fence_, req, answer, &note_);
  }

  /// A subagent's model reply: its tokens join its task's, and its chat's
  /// browsers see them at once (behind the turn, after the journal write).
  void count_usage(const chat::message_record& m) {
    if (task_ == nullptr || m.role != protocol::message_role::assistant || !m.usage)
      return;
    const auto& u = *m.usage;
    agent::task_usage add{static_cast<int64_t>(u.prompt), static_cast<int64_t>(u.cache_hit),
                          static_cast<int64_t>(u.completion), static_cast<int64_t>(u.reasoning)};
    writes_.post([&deps = deps_, id = task_->spawn.id, add] {
      deps.tasks->add_usage(id, add, 0);
      task_control{deps}.announce(id);
    });
  }

  /// Messages that still wait after the checkpoint.
  int waiting() const { return waiting_; }
  /// The notification a subagent's checkpoint stored for its parent (id 0: none).
  const chat::inbox_entry& note() const { return note_; }

private:
  /// Gives `m` its chat, turn, id (the next of the turn's block) and time.
  void identify(chat::message_record& m) {
    m.chat_id = fence_.actor_id;
    m.turn = turn_;
    if (next_id_ == ids_.size()) {
      if (std::exchange(ids_behind_, false)) {
        writes_.wait(); // the begin, long done by the first message
        ids_ = std::exchange(begun_ids_, {});
      } else {
        ids_ = repo_.reserve_ids(id_block);
      }
      next_id_ = 0;
    }
    m.id = ids_.at(next_id_++);
    m.created_at = now_iso_millis();
  }

  const session_deps& deps_;
  storage::session_repository& repo_;
  storage::chat_repository& chats_;
  storage::task_repository& tasks_;
  const storage::fence& fence_;
  int turn_;
  session_actor session_;
  model::token_usage usage_before_;
  const std::atomic<int64_t>& seq_; // the session's
  std::vector<int64_t> ids_;        // message ids reserved for the turn
  size_t next_id_ = 0;
  bool ids_behind_ = false;        // the begin behind the turn reserves the next ids
  std::vector<int64_t> begun_ids_; // what it reserved (read after writes_.wait())
  /// How a subagent's turn ends its task: its state by the turn's outcome,
  /// its result the last answer (with the branch of a worktree it changed).
  storage::checkpoint_request::task_end task_end(const agent::turn_summary& sum,
                                                 const chat::message_record* answer) const {
    storage::checkpoint_request::task_end end;
    end.state = sum.outcome == protocol::turn_outcome::completed   ? protocol::task_state::completed
                : sum.outcome == protocol::turn_outcome::cancelled ? protocol::task_state::cancelled
                                                                   : protocol::task_state::failed;
    end.error = sum.error;
    if (answer != nullptr)
      end.result = answer->content;
    if (task_->spawn.worktree && !task_->worktree_path.empty()) {
      try {
        auto kept = agent::settle_worktree(
          parent_workspace(), {task_->worktree_path, task_->branch},
          "BooCode task " + task_->spawn.id + ": " + task_->spawn.description);
        if (!kept.empty())
          end.result += "\n\nThe changes are kept on " + kept;
      } catch (const std::exception& e) {
        end.result += std::string("\n\n(the worktree could not be settled: ") + e.what() + ")";
      }
    }
    end.note = agent::notification_text(*task_, end.state, end.result, end.error);
    return end;
  }
  /// The workspace the task's worktree was made in: above .boocode/worktrees/<task>.
  std::string parent_workspace() const {
    return std::filesystem::path(task_->worktree_path).parent_path().parent_path().parent_path();
  }

  int waiting_ = 0;
  chat::inbox_entry note_;
  agent::workspace_tools& tools_;
  const agent::task_record* task_; // a subagent's; null for a chat
  serial_jobs writes_;             // last: destroyed (waiting for its writes) first
};

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

  /// Takes `entries` (in id order) as the turn's user messages.
  void take(const std::vector<chat::inbox_entry>& entries, const std::string& chat_id,
            chat_memory& mem) {
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

/// The whole turn; blocking. Returns how it ended. `mem` is valid afterwards
/// only if the turn reached its checkpoint (or found nothing to do).
turn_done run_worker(const std::shared_ptr<const session_deps>& deps,
                     storage::session_repository& repo, const storage::fence& fence,
                     const std::shared_ptr<cancel_token>& cancel, const session_actor& session,
                     chat_memory& mem, std::vector<chat::inbox_entry> given) {
  const auto& chat_id = fence.actor_id;
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
    auto kind = protocol::kind_of_actor(chat_id);
    if (kind == protocol::actor_kind::subagent && !mem.task) {
      mem.task = deps->tasks->find(chat_id);
      if (!mem.task)
        throw storage::storage_error("subagent " + chat_id + " has no task");
    }
    tools::tool_context ctx;
    ctx.workspace = mem.workspace;
    ctx.limits = deps->limits;
    ctx.cancel = cancel;
    ctx.sandbox = deps->sandbox;
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
    agent::turn_input in{turn, std::move(plan->user_message_ids), resume, std::move(plan->answers)};
    auto sum = agent::run_turn(spec, in, mem.conversation, io, *cancel, &tracer);
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
    return io.waiting() > 0 ? turn_done::more : turn_done::checkpointed;
  } catch (const storage::fenced& e) {
    if (deps->log)
      deps->log->warn("chat {} turn {} stopped: {}", chat_id, turn, e.what());
    return turn_done::fenced;
  } catch (const std::exception& e) {
    if (cancel->reason() == cancel_reason::shutdown)
      return turn_done::interrupted;
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
