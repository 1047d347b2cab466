#include "actors/chat_service_impl.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>

#include "actors/task_control.hpp"
#include "actors/ws_client.hpp"
#include "runtime/node_identity.hpp"
#include "storage/approval_repository.hpp"
#include "storage/chat_repository.hpp"
#include "storage/session_repository.hpp"
#include "storage/storage_error.hpp"
#include "storage/trace_repository.hpp"

namespace boocode {

namespace {

chat::service_error not_found(const std::string& id) {
  return {404, "not_found", "no chat " + id};
}

} // namespace

chat_service_impl::chat_service_impl(caf::actor_system& sys,
                                     std::shared_ptr<const session_deps> deps,
                                     session_registry_actor registry)
  : sys_(sys), deps_(std::move(deps)), registry_(std::move(registry)),
    repo_(std::make_unique<storage::chat_repository>(deps_->db)),
    traces_(std::make_unique<storage::trace_repository>(deps_->db)) {}

chat_service_impl::~chat_service_impl() {
  std::lock_guard guard{clients_mtx_};
  for (auto& [id, c] : clients_)
    caf::anon_send_exit(c.actor, caf::exit_reason::user_shutdown);
}

template <class T, class F>
chat::result<T> chat_service_impl::with_repo(F&& f) {
  try {
    return f(*repo_);
  } catch (const storage::storage_error& e) {
    if (deps_->log)
      deps_->log->error("chat storage: {}", e.what());
    return chat::service_error{503, "storage_unavailable", "the database failed: try again"};
  }
}

chat::result<bool> chat_service_impl::chat_exists(const std::string& chat_id) {
  return with_repo<bool>([&](storage::chat_repository& repo) -> chat::result<bool> {
    if (!repo.find_chat(chat_id))
      return not_found(chat_id);
    return true;
  });
}

chat::result<chat::chat_record> chat_service_impl::create_chat(const chat::new_chat& req) {
  return with_repo<chat::chat_record>([&](storage::chat_repository& repo) {
    chat::chat_record c;
    c.id = random_id("c_", 16);
    c.workspace = req.workspace;
    c.title = req.title;
    c.build_command = req.build_command;
    c.owner = req.owner;
    c.permissions.mode = req.permission_mode.value_or(deps_->default_mode);
    c.permissions.network = req.network;
    c.permissions.variables = req.env;
    auto created = repo.create_chat(c);
    // Its owner: the least-loaded node of the cluster (nobody yet when no
    // node is up: the first to use it claims it).
    deps_->sessions->place(created.id, deps_->cluster);
    return created;
  });
}

chat::result<std::vector<chat::chat_record>>
chat_service_impl::list_chats(const std::optional<std::string>& owner) {
  return with_repo<std::vector<chat::chat_record>>(
    [&](storage::chat_repository& repo) { return repo.list_chats(owner); });
}

chat::result<bool> chat_service_impl::reach(const chat::caller& who, const std::string& chat_id) {
  if (who.admin)
    return true; // every route then answers 404 for a chat that does not exist
  {
    std::lock_guard guard{owners_mtx_};
    if (auto it = owners_.find(chat_id); it != owners_.end())
      return it->second == who.user ? chat::result<bool>{true} : not_found(chat_id);
  }
  return with_repo<bool>([&](storage::chat_repository& repo) -> chat::result<bool> {
    auto chat = repo.find_chat(chat_id);
    if (!chat)
      return not_found(chat_id);
    std::lock_guard guard{owners_mtx_};
    if (owners_.size() >= max_cached_owners) // an owner never changes: forgetting costs a query
      owners_.clear();
    owners_.emplace(chat_id, chat->owner);
    return chat->owner == who.user ? chat::result<bool>{true} : not_found(chat_id);
  });
}

chat::result<chat::chat_view> chat_service_impl::get_chat(const std::string& id) {
  // The status first: "idle" then means the messages read after it hold
  // everything the last turn wrote.
  auto status = protocol::chat_status::idle;
  {
    caf::scoped_actor self{sys_};
    self->request(registry_, std::chrono::seconds(2), status_atom::value, id)
      .receive([&](protocol::chat_status s) { status = s; }, [](caf::error&) {});
  }
  return with_repo<chat::chat_view>(
    [&](storage::chat_repository&) -> chat::result<chat::chat_view> {
      auto img = deps_->sessions->load(id);
      if (!img)
        return not_found(id);
      return chat::chat_view{img->chat, img->conversation(), status};
    });
}

chat::result<chat::chat_record> chat_service_impl::archive_chat(const std::string& id) {
  auto r = with_repo<chat::chat_record>(
    [&](storage::chat_repository& repo) -> chat::result<chat::chat_record> {
      if (!repo.archive_chat(id))
        return not_found(id);
      return *repo.find_chat(id);
    });
  if (std::holds_alternative<chat::chat_record>(r)) {
    caf::anon_send(registry_, cancel_atom::value, id);
    try { // its tasks stop with it
      task_control{*deps_}.cancel_chat(id);
    } catch (const storage::storage_error& e) {
      if (deps_->log)
        deps_->log->error("chat {} archived, but its tasks did not stop: {}", id, e.what());
    }
  }
  return r;
}

chat::result<std::vector<agent::task_record>> chat_service_impl::tasks(const std::string& chat_id) {
  return with_repo<std::vector<agent::task_record>>(
    [&](storage::chat_repository& repo) -> chat::result<std::vector<agent::task_record>> {
      if (!repo.find_chat(chat_id))
        return not_found(chat_id);
      return deps_->tasks->for_chat(chat_id);
    });
}

chat::result<int> chat_service_impl::stop_tasks(const std::string& chat_id,
                                                const std::string& task_id) {
  return with_repo<int>([&](storage::chat_repository& repo) -> chat::result<int> {
    if (!repo.find_chat(chat_id))
      return not_found(chat_id);
    task_control control{*deps_};
    if (task_id.empty())
      return control.cancel_chat(chat_id);
    auto t = deps_->tasks->find(task_id);
    if (!t || t->spawn.chat_id != chat_id)
      return chat::service_error{404, "not_found", "no task " + task_id + " in chat " + chat_id};
    return control.cancel_tree(task_id);
  });
}

chat::result<chat::posted_message>
chat_service_impl::post_message(const std::string& chat_id, const std::string& text,
                                const std::string& client_id,
                                const std::vector<std::string>& attachments) {
  if (protocol::kind_of_actor(chat_id) != protocol::actor_kind::session)
    return chat::service_error{409, "task_conversation",
                               chat_id + " is a background task's conversation: it takes no "
                                         "messages (stop it, or ask its chat to spawn another)"};
  chat::inbox_entry stored;
  auto posted = with_repo<chat::posted_message>(
    [&](storage::chat_repository&) -> chat::result<chat::posted_message> {
      auto p = deps_->sessions->post(chat_id, text, client_id, attachments);
      if (p.no_chat)
        return not_found(chat_id);
      if (p.archived)
        return chat::service_error{409, "archived", "chat " + chat_id + " is archived"};
      if (p.unknown_attachment)
        return chat::service_error{400, "unknown_attachment",
                                   "an attachment is not one of this chat's uploads (or it "
                                   "expired): upload the image again"};
      stored = p.entry;
      return chat::posted_message{p.entry.id, p.duplicate};
    });
  auto* p = std::get_if<chat::posted_message>(&posted);
  if (p != nullptr && !p->duplicate) // in the inbox: acknowledge
    caf::anon_send(registry_, deliver_atom::value, chat_id, stored);
  return posted;
}

chat::result<bool> chat_service_impl::cancel(const std::string& chat_id) {
  auto known = chat_exists(chat_id);
  if (std::holds_alternative<bool>(known))
    caf::anon_send(registry_, cancel_atom::value, chat_id);
  return known;
}

chat::result<std::vector<chat::timeline_turn>>
chat_service_impl::timeline(const std::string& chat_id) {
  return with_repo<std::vector<chat::timeline_turn>>(
    [&](storage::chat_repository& repo) -> chat::result<std::vector<chat::timeline_turn>> {
      if (!repo.find_chat(chat_id))
        return not_found(chat_id);
      return repo.timeline(chat_id);
    });
}

chat::result<chat::chat_record> chat_service_impl::fork(const std::string& chat_id, int turn,
                                                        const std::string& owner) {
  return with_repo<chat::chat_record>(
    [&](storage::chat_repository& repo) -> chat::result<chat::chat_record> {
      auto source = repo.find_chat(chat_id);
      if (!source)
        return not_found(chat_id);
      bool finished = false;
      for (auto& t : repo.timeline(chat_id))
        finished = finished || (t.turn == turn && t.outcome.has_value());
      if (!finished)
        return chat::service_error{
          400, "invalid_argument",
          fmt::format("turn {} of chat {} has not finished", turn, chat_id)};
      chat::chat_record fork;
      fork.id = random_id("c_", 16);
      fork.workspace = source->workspace;
      fork.title = fmt::format("{} (turn {})", source->title, turn);
      if (fork.title.size() > 200)
        fork.title = fmt::format("{}… (turn {})", source->title.substr(0, 180), turn);
      fork.build_command = source->build_command;
      fork.owner = owner;
      fork.permissions = source->permissions;
      auto created = repo.fork_chat(chat_id, turn, fork);
      deps_->sessions->place(created.id, deps_->cluster);
      return created;
    });
}

chat::result<trace::usage_summary> chat_service_impl::usage(const std::string& chat_id) {
  return with_repo<trace::usage_summary>(
    [&](storage::chat_repository& repo) -> chat::result<trace::usage_summary> {
      if (!repo.find_chat(chat_id))
        return not_found(chat_id);
      return trace::summarise(chat_id, traces_->usage(chat_id));
    });
}

chat::result<trace::trace_page> chat_service_impl::list_traces(const std::string& chat_id,
                                                               const trace::trace_query& q) {
  return with_repo<trace::trace_page>(
    [&](storage::chat_repository& repo) -> chat::result<trace::trace_page> {
      if (!repo.find_chat(chat_id))
        return not_found(chat_id);
      return traces_->page(chat_id, q);
    });
}

chat::result<bool> chat_service_impl::subscribe(const std::shared_ptr<chat::frame_sink>& conn,
                                                const std::string& chat_id,
                                                const chat::resume_point& from, bool only_if_new) {
  if (only_if_new) { // already watching it (every message of a chat after its first)
    std::lock_guard guard{clients_mtx_};
    if (auto i = clients_.find(conn->id());
        i != clients_.end() && i->second.chats.contains(chat_id))
      return true;
  }
  auto known = chat_exists(chat_id);
  if (!std::holds_alternative<bool>(known))
    return known;
  ws_client_actor actor;
  {
    std::lock_guard guard{clients_mtx_};
    auto& c = clients_[conn->id()];
    if (!c.actor)
      c.actor = spawn_ws_client(sys_, conn);
    if (!c.chats.insert(chat_id).second && only_if_new)
      return true;
    actor = c.actor;
  }
  caf::anon_send(registry_, subscribe_atom::value, chat_id, actor, from.after_seq, from.epoch);
  return true;
}

chat::result<bool> chat_service_impl::restart(const std::string& chat_id) {
  auto known = chat_exists(chat_id);
  if (!std::holds_alternative<bool>(known))
    return known;
  chat::result<bool> out = chat::service_error{503, "unavailable", "the node did not answer"};
  caf::scoped_actor self{sys_};
  self->request(registry_, std::chrono::seconds(5), restart_atom::value, chat_id)
    .receive([&](bool restarted) { out = restarted; }, [](caf::error&) {});
  return out;
}

chat::result<chat::chat_record> chat_service_impl::update_chat(const std::string& chat_id,
                                                               const chat::chat_patch& patch) {
  return with_repo<chat::chat_record>(
    [&](storage::chat_repository& repo) -> chat::result<chat::chat_record> {
      auto updated = repo.update_chat(chat_id, patch);
      if (!updated)
        return not_found(chat_id);
      return *updated;
    });
}

chat::result<std::vector<chat::approval_requested>>
chat_service_impl::approvals(const std::string& chat_id) {
  return with_repo<std::vector<chat::approval_requested>>(
    [&](storage::chat_repository& repo) -> chat::result<std::vector<chat::approval_requested>> {
      if (!repo.find_chat(chat_id))
        return not_found(chat_id);
      return deps_->approvals->pending(chat_id);
    });
}

chat::result<chat::approval_answer>
chat_service_impl::answer_approval(const std::string& chat_id, const chat::approval_answer& a) {
  chat::inbox_entry stored;
  auto answered = with_repo<chat::approval_answer>(
    [&](storage::chat_repository&) -> chat::result<chat::approval_answer> {
      using state = storage::approval_repository::answer_state;
      auto r = deps_->approvals->answer(chat_id, a);
      if (r.state == state::unknown)
        return chat::service_error{404, "not_found",
                                   fmt::format("chat {} waits on no approval {}", chat_id, a.id)};
      if (r.state == state::already_answered)
        return chat::service_error{409, "already_answered",
                                   fmt::format("approval {} was answered before", a.id)};
      stored = r.entry;
      return a;
    });
  if (std::holds_alternative<chat::approval_answer>(answered)) // in the inbox: the turn goes on
    caf::anon_send(registry_, deliver_atom::value, chat_id, stored);
  return answered;
}

void chat_service_impl::unsubscribe(uint64_t conn_id, const std::string& chat_id) {
  std::lock_guard guard{clients_mtx_};
  if (auto i = clients_.find(conn_id); i != clients_.end()) {
    i->second.chats.erase(chat_id);
    caf::anon_send(registry_, unsubscribe_atom::value, chat_id, i->second.actor);
  }
}

void chat_service_impl::close_clients() {
  std::vector<ws_client_actor> clients;
  {
    std::lock_guard guard{clients_mtx_};
    for (auto& [id, c] : clients_)
      clients.push_back(c.actor);
    clients_.clear();
  }
  caf::scoped_actor self{sys_};
  for (auto& c : clients) {
    self->send_exit(c, caf::exit_reason::user_shutdown);
    self->wait_for(c);
  }
}

void chat_service_impl::connection_closed(uint64_t conn_id) {
  std::lock_guard guard{clients_mtx_};
  if (auto i = clients_.find(conn_id); i != clients_.end()) {
    caf::anon_send_exit(i->second.actor, caf::exit_reason::user_shutdown);
    clients_.erase(i);
  }
}

} // namespace boocode
