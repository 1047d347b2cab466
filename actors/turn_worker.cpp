#include "actors/turn_worker.hpp"

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "runtime/chat/agent_loop.hpp"
#include "runtime/tools/run_command.hpp"
#include "runtime/tools/tool_registry.hpp"
#include "storage/chat_repository.hpp"

namespace boocode {

namespace {

/// The agent loop's side effects for real: provider, tools, database, session.
class worker_io final : public chat::turn_io {
public:
  worker_io(const session_deps& deps, shared_repository& repo, std::string chat_id,
            tools::tool_context ctx, session_actor session, const cancel_token* cancel)
    : deps_(deps), repo_(repo), chat_id_(std::move(chat_id)), ctx_(std::move(ctx)),
      session_(std::move(session)), cancel_(cancel) {}

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

  chat::message_record store(chat::message_record m) override {
    m.chat_id = chat_id_;
    return repo_.with([&](storage::chat_repository& r) { return r.append_message(std::move(m)); });
  }

  void send_frames(std::vector<std::string> flat) override {
    caf::anon_send(session_, frame_atom::value, std::move(flat));
  }

private:
  const session_deps& deps_;
  shared_repository& repo_;
  std::string chat_id_;
  tools::tool_context ctx_;
  session_actor session_;
  const cancel_token* cancel_;
};

/// The whole turn; blocking. Every failure ends the turn with a visible error.
void run_worker(std::shared_ptr<const session_deps> deps, shared_repository& repo,
                const std::string& chat_id, std::shared_ptr<cancel_token> cancel,
                const session_actor& session) {
  auto emit_failure = [&](const std::string& msg, int turn) {
    caf::anon_send(session, frame_atom::value, std::string("error"),
                   nlohmann::json{{"code", "internal"}, {"message", msg}}.dump());
    caf::anon_send(session, frame_atom::value, std::string("turn_end"),
                   nlohmann::json{{"turn", turn},
                                  {"outcome", "error"},
                                  {"error", msg},
                                  {"usage", model::to_json(model::token_usage{})}}
                     .dump());
  };
  int turn = 0;
  try {
    std::optional<chat::chat_record> chat;
    std::vector<chat::message_record> history;
    repo.with([&](storage::chat_repository& r) {
      chat = r.find_chat(chat_id);
      auto pending = r.pending_user_messages(chat_id);
      if (!chat || chat->archived || pending.empty()) {
        chat.reset();
        return;
      }
      turn = chat->turns + 1;
      std::vector<int64_t> ids;
      ids.reserve(pending.size());
      for (auto& m : pending)
        ids.push_back(m.id);
      r.start_turn(chat_id, turn, ids);
      history = r.messages(chat_id);
    });
    if (!chat)
      return;
    tools::tool_context ctx;
    ctx.workspace = chat->workspace;
    ctx.limits = deps->limits;
    ctx.cancel = cancel;
    worker_io io{*deps, repo, chat_id, ctx, session, cancel.get()};
    chat::turn_settings settings;
    settings.system_prompt = chat::default_system_prompt(chat->workspace);
    settings.build_command = chat->build_command;
    settings.max_fix_attempts = deps->max_fix_attempts;
    trace::tracer tracer{deps->traces.get(), deps->trace_ids.get(), chat_id,
                         trace::actor_ref{"session", chat_id, ""}};
    auto sum = chat::run_turn(settings, turn, history, io, *cancel, &tracer);
    if (deps->log)
      deps->log->info(
        "chat {} turn {} {} ({} model calls, {} prompt / {} cached / {} output tokens)", chat_id,
        turn, sum.outcome, sum.model_calls, sum.usage.prompt, sum.usage.cache_hit,
        sum.usage.completion);
  } catch (const std::exception& e) {
    if (deps->log)
      deps->log->error("chat {} turn {} failed: {}", chat_id, turn, e.what());
    emit_failure(e.what(), turn);
  }
}

} // namespace

void spawn_turn_worker(caf::actor_system& sys, std::shared_ptr<const session_deps> deps,
                       std::shared_ptr<shared_repository> repo, std::string chat_id,
                       std::shared_ptr<cancel_token> cancel, session_actor session) {
  ++*deps->running_turns;
  sys.spawn<caf::detached>([=](caf::event_based_actor* self) {
    run_worker(deps, *repo, chat_id, cancel, session);
    self->send(session, turn_done_atom::value);
    --*deps->running_turns;
    self->quit();
  });
}

} // namespace boocode
