#include "actors/turn_worker.hpp"

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "runtime/chat/agent_loop.hpp"
#include "runtime/protocol/records.hpp"
#include "runtime/tools/run_command.hpp"
#include "runtime/tools/tool_registry.hpp"
#include "storage/storage_error.hpp"

namespace boocode {

namespace {

/// The agent loop's side effects for real: provider, tools, journal, session.
class worker_io final : public chat::turn_io {
public:
  worker_io(caf::actor_system& sys, const session_deps& deps, storage::session_repository& repo,
            const storage::fence& fence, int turn, tools::tool_context ctx, session_actor session,
            const cancel_token* cancel, model::token_usage usage_before)
    : sys_(sys), deps_(deps), repo_(repo), fence_(fence), turn_(turn), ctx_(std::move(ctx)),
      session_(std::move(session)), cancel_(cancel), usage_before_(usage_before) {}

  model::model_result call_model(const std::vector<model::chat_message>& conv,
                                 const model::stream_callbacks& cb) override {
    return deps_.provider->complete(conv, tools::tool_schemas(), cb, cancel_);
  }

  tools::tool_result run_tool(const std::string& name, const nlohmann::json& args) override {
    return tools::execute(name, args, ctx_);
  }

  std::string model_name() const override { return deps_.provider->model_name(); }

  tools::tool_result run_build(const std::vector<std::string>& argv) override {
    return tools::run_command(ctx_, argv);
  }

  chat::message_record journal_message(const std::string& step, chat::message_record m) override {
    return repo_.journal_message(fence_, turn_, step, std::move(m));
  }

  void journal_step(const std::string& step, const std::string& kind,
                    const nlohmann::json& data) override {
    repo_.journal(fence_, turn_, step, kind, data);
  }

  void publish(chat::event_batch batch) override {
    caf::anon_send(session_, events_atom::value, std::move(batch));
  }

  /// The checkpoint: the turn's messages, summary, inbox, and the session's
  /// state with the chat's usage totals.
  void end_turn(const chat::turn_summary& sum) override {
    auto totals = usage_before_;
    totals += sum.usage;
    storage::checkpoint_request req;
    req.turn = turn_;
    req.last_seq = session_seq();
    req.state = {{"turn", turn_}, {"last_seq", req.last_seq}, {"usage", protocol::to_json(totals)}};
    req.outcome = sum.outcome;
    req.error = sum.error;
    req.usage = sum.usage;
    req.model_calls = sum.model_calls;
    waiting_ = repo_.checkpoint(fence_, req);
  }

  /// Messages that still wait after the checkpoint.
  int waiting() const { return waiting_; }

private:
  /// The session's frame seq now (0 if it does not answer).
  int64_t session_seq() {
    int64_t seq = 0;
    caf::scoped_actor self{sys_};
    self->request(session_, std::chrono::seconds(5), seq_atom::value)
      .receive([&](int64_t s) { seq = s; }, [](caf::error&) {});
    return seq;
  }

  caf::actor_system& sys_;
  const session_deps& deps_;
  storage::session_repository& repo_;
  const storage::fence& fence_;
  int turn_;
  tools::tool_context ctx_;
  session_actor session_;
  const cancel_token* cancel_;
  model::token_usage usage_before_;
  int waiting_ = 0;
};

/// The whole turn; blocking. Returns how it ended.
turn_done run_worker(caf::actor_system& sys, const std::shared_ptr<const session_deps>& deps,
                     storage::session_repository& repo, const storage::fence& fence,
                     const std::shared_ptr<cancel_token>& cancel, const session_actor& session) {
  const auto& chat_id = fence.actor_id;
  int turn = 0;
  try {
    auto img = repo.load(chat_id);
    if (!img || img->chat.archived || !img->has_work())
      return turn_done::idle;
    auto history = img->history;
    chat::turn_settings settings;
    const chat::turn_journal* resume = nullptr;
    if (img->in_progress) {
      turn = img->in_progress->turn;
      resume = &*img->in_progress;
      for (auto& e : img->inbox)
        if (e.taken_turn == turn)
          history.push_back(e.as_message(chat_id));
    } else {
      turn = img->chat.turns + 1;
      auto taken = repo.begin_turn(fence, turn);
      if (taken.empty())
        return turn_done::idle;
      for (auto& e : taken) {
        e.taken_turn = turn;
        history.push_back(e.as_message(chat_id));
        settings.user_message_ids.push_back(e.id);
      }
    }
    tools::tool_context ctx;
    ctx.workspace = img->chat.workspace;
    ctx.limits = deps->limits;
    ctx.cancel = cancel;
    worker_io io{sys, *deps, repo, fence, turn, ctx, session, cancel.get(), img->usage()};
    settings.system_prompt = chat::default_system_prompt(img->chat.workspace);
    settings.build_command = img->chat.build_command;
    settings.max_fix_attempts = deps->max_fix_attempts;
    trace::tracer tracer{deps->traces.get(), deps->trace_ids.get(), chat_id,
                         trace::actor_ref{protocol::actor_kind::session, chat_id, ""}};
    auto sum = chat::run_turn(settings, turn, history, io, *cancel, &tracer, resume);
    if (deps->log)
      deps->log->info(
        "chat {} turn {} {}{} ({} model calls, {} prompt / {} cached / {} output tokens)", chat_id,
        turn, protocol::to_string(sum.outcome), resume != nullptr ? " (resumed)" : "",
        sum.model_calls, sum.usage.prompt, sum.usage.cache_hit, sum.usage.completion);
    if (sum.outcome == protocol::turn_outcome::interrupted)
      return turn_done::interrupted;
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

void spawn_turn_worker(caf::actor_system& sys, std::shared_ptr<const session_deps> deps,
                       storage::fence fence, std::shared_ptr<cancel_token> cancel,
                       session_actor session) {
  ++*deps->running_turns;
  deps->turns->post([&sys, deps, fence, cancel, session] {
    // Queued behind other turns while the node stopped: not started at all
    // (its messages wait in the inbox for the next start).
    auto how = cancel->reason() == cancel_reason::shutdown
                 ? turn_done::interrupted
                 : run_worker(sys, deps, *deps->sessions, fence, cancel, session);
    caf::anon_send(session, turn_done_atom::value, how);
    --*deps->running_turns;
  });
}

} // namespace boocode
