#include "actors/workflow_service_impl.hpp"

#include "actors/step_cache_jobs.hpp"

#include <caf/all.hpp>

#include "actors/task_control.hpp"
#include "actors/workflow_jobs.hpp"
#include "runtime/node_identity.hpp"
#include "runtime/sandbox/engine.hpp"
#include "runtime/workflow/structured_answer.hpp"
#include "storage/storage_error.hpp"

namespace boocode {

namespace {

chat::service_error not_found(const std::string& what) {
  return {404, "not_found", what};
}

} // namespace

workflow_service_impl::workflow_service_impl(std::shared_ptr<const session_deps> deps,
                                             std::vector<std::filesystem::path> roots)
  : deps_(std::move(deps)), roots_(std::move(roots)) {}

template <class T, class F>
chat::result<T> workflow_service_impl::guarded(F&& f) {
  try {
    return f();
  } catch (const storage::storage_error& e) {
    if (deps_->log)
      deps_->log->error("workflow storage: {}", e.what());
    return chat::service_error{503, "storage_unavailable", "the database failed: try again"};
  }
}

std::optional<workflow::run_record> workflow_service_impl::visible(const std::string& id,
                                                                   const chat::caller& who) {
  if (protocol::kind_of_actor(id) != protocol::actor_kind::workflow)
    return std::nullopt;
  auto run = deps_->workflows->find(id);
  if (!run || (!who.admin && run->owner != who.user))
    return std::nullopt;
  return run;
}

chat::result<std::vector<workflow::workflow_entry>>
workflow_service_impl::list(const std::string& workspace) {
  chat::new_chat nc;
  nc.workspace = workspace;
  if (auto err = chat::validate_new_chat(nc, roots_))
    return *err;
  return workflow::discover(nc.workspace, deps_->home);
}

chat::result<workflow::run_snapshot> workflow_service_impl::start(const protocol::workflow_start& s,
                                                                  const chat::caller& who) {
  return guarded<workflow::run_snapshot>([&]() -> chat::result<workflow::run_snapshot> {
    std::string workspace = s.workspace;
    std::string owner = who.user;
    std::string chat_id;
    if (!s.chat_id.empty()) {
      auto c = deps_->chats->find_chat(s.chat_id);
      if (!c || c->archived || (!who.admin && c->owner != who.user))
        return not_found("no chat " + s.chat_id);
      workspace = c->workspace;
      owner = c->owner;
      chat_id = c->id;
    } else {
      chat::new_chat nc;
      nc.workspace = workspace;
      if (auto err = chat::validate_new_chat(nc, roots_))
        return *err;
      workspace = nc.workspace;
    }
    run_launch l;
    l.workspace = workspace;
    l.owner = owner;
    l.chat_id = chat_id;
    l.name = s.name;
    l.script = s.script;
    l.args = s.args;
    l.budget = s.budget;
    l.cache = s.cache;
    auto launched = launch_run(*deps_, l);
    if (auto* err = std::get_if<chat::service_error>(&launched))
      return *err;
    return workflow::run_snapshot{std::get<workflow::run_record>(launched), {}, {}};
  });
}

chat::result<workflow::run_snapshot> workflow_service_impl::get(const std::string& id,
                                                                const chat::caller& who) {
  return guarded<workflow::run_snapshot>([&]() -> chat::result<workflow::run_snapshot> {
    auto run = visible(id, who);
    if (!run)
      return not_found("no workflow run " + id);
    return workflow::run_snapshot{*run, deps_->tasks->children(id), deps_->workflows->journal(id)};
  });
}

chat::result<bool> workflow_service_impl::cancel(const std::string& id, const chat::caller& who) {
  return guarded<bool>([&]() -> chat::result<bool> {
    auto run = visible(id, who);
    if (!run)
      return not_found("no workflow run " + id);
    if (agent::is_final(run->task.state))
      return false;
    // The run first: its script ends, then its running steps stop with it.
    if (auto r = deps_->router->get())
      caf::anon_send(r, cancel_atom::value, id);
    return true;
  });
}

chat::result<int> workflow_service_impl::cancel_step(const std::string& id, const std::string& step,
                                                     const chat::caller& who) {
  return guarded<int>([&]() -> chat::result<int> {
    auto run = visible(id, who);
    auto t = run ? deps_->tasks->find(step) : std::nullopt;
    if (!t || t->spawn.parent_actor != id)
      return not_found("no step " + step + " in workflow run " + id);
    return task_control{*deps_}.cancel_tree(step);
  });
}

chat::result<workflow::cache_totals> workflow_service_impl::cache(const std::string& workspace) {
  return guarded<workflow::cache_totals>([&]() -> chat::result<workflow::cache_totals> {
    chat::new_chat nc;
    nc.workspace = workspace;
    if (auto err = chat::validate_new_chat(nc, roots_))
      return *err;
    auto root = canonical_workspace(nc.workspace);
    auto t = deps_->step_cache->count(root);
    return workflow::cache_totals{root, t.entries, t.bytes};
  });
}

chat::result<workflow::cache_totals>
workflow_service_impl::clear_cache(const std::string& workspace) {
  auto before = cache(workspace);
  if (auto* t = std::get_if<workflow::cache_totals>(&before))
    return guarded<workflow::cache_totals>([&]() -> chat::result<workflow::cache_totals> {
      deps_->step_cache->clear(t->workspace);
      return *t;
    });
  return before;
}

} // namespace boocode
