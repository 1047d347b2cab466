#pragma once

// Internal to actors/: a turn's durable side effects over the database (the
// turn worker's agent::turn_io), in a header of its own so the turn worker
// stays about running the turn.
#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/session_deps.hpp"
#include "actors/task_control.hpp"
#include "actors/turn_worker.hpp"
#include "runtime/agent/task_text.hpp"
#include "runtime/agent/turn_io.hpp"
#include "runtime/agent/workspace_tools.hpp"
#include "runtime/agent/worktree.hpp"
#include "runtime/protocol/records.hpp"
#include "runtime/serial_jobs.hpp"
#include "runtime/workflow/structured_answer.hpp"
#include "storage/storage_error.hpp"

namespace boocode::turn_detail {

/// How many message ids a turn reserves at a time.
inline constexpr int id_block = 16;

/// Now as the API writes times: ISO 8601, UTC, milliseconds.
inline std::string now_iso_millis() {
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

  std::optional<model::prior_call> last_model_call() override {
    try {
      return deps_.trace_store ? deps_.trace_store->last_model_call(fence_.actor_id) : std::nullopt;
    } catch (const std::exception& e) {
      if (deps_.log)
        deps_.log->warn("chat {}: cannot read its last model call ({}); its prompt cache is "
                        "compared from its next call on",
                        fence_.actor_id, e.what());
      return std::nullopt;
    }
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
                             tasks_.live_children(task_->spawn.id) == 0)) {
      // A workflow step whose answer does not match its schema is asked
      // again: the question waits in its inbox for its next turn.
      if (auto again = schema_retry(sum, answer))
        repo_.post(task_->spawn.id, *again, fmt::format("schema-retry-{}", turn_));
      else
        req.ends_task = task_end(sum, answer);
    }
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
    writes_.post(
      [&deps = deps_, id = task_->spawn.id, add, cost = deps_.prices.cost(model_name(), u)] {
        deps.tasks->add_usage(id, add, cost);
        task_control{deps}.announce(id);
      });
  }

  /// The model the agent's calls name.
  std::string model_name() const {
    return task_ != nullptr && !task_->spawn.model.empty() ? task_->spawn.model
                                                           : deps_.provider->model_name();
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
    if (end.state == protocol::task_state::completed && !task_->spawn.schema.empty()) {
      if (auto why = workflow::answer_mismatch(task_->spawn.schema, end.result)) {
        end.state = protocol::task_state::failed;
        end.error = fmt::format("schema mismatch after {} answers: {}", turn_, *why);
      }
    }
    end.note = agent::notification_text(*task_, end.state, end.result, end.error);
    return end;
  }
  /// The question that asks a step again, when its answer does not match
  /// its schema and it has answers left.
  std::optional<std::string> schema_retry(const agent::turn_summary& sum,
                                          const chat::message_record* answer) const {
    if (task_->spawn.schema.empty() || sum.outcome != protocol::turn_outcome::completed ||
        turn_ >= workflow::schema_answers)
      return std::nullopt;
    auto why =
      workflow::answer_mismatch(task_->spawn.schema, answer != nullptr ? answer->content : "");
    if (!why)
      return std::nullopt;
    return workflow::retry_prompt(*why, nlohmann::json::parse(task_->spawn.schema));
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

} // namespace boocode::turn_detail
