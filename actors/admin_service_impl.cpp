#include "actors/admin_service_impl.hpp"

#include <set>

#include <caf/all.hpp>

#include "runtime/errors.hpp"
#include "storage/actor_repository.hpp"
#include "storage/node_repository.hpp"
#include "storage/storage_error.hpp"

namespace boocode {

namespace {

/// How long a live question to a node may take before the answer goes without it.
constexpr auto ask_timeout = std::chrono::seconds(3);
/// A change waits for its turn boundary: long turns run for minutes.
constexpr auto change_timeout = std::chrono::minutes(10);

admin::error from_caf(caf::actor_system& sys, const caf::error& e) {
  auto text = error_text(sys, e);
  if (is_error(e, errc::not_found))
    return {"not_found", text};
  if (is_error(e, errc::invalid_argument))
    return {"invalid_argument", text};
  return {"unavailable", text};
}

template <class T, class F>
admin::result<T> guarded(F&& f) {
  try {
    return f();
  } catch (const storage::storage_error& e) {
    return admin::error{"unavailable", std::string("the database failed: ") + e.what()};
  }
}

/// Asks `dest` and waits for the answer (`R` or an error).
template <class R, class Handle, class... Ts>
admin::result<R> ask(caf::actor_system& sys, const Handle& dest, std::chrono::milliseconds timeout,
                     Ts&&... xs) {
  admin::result<R> out = admin::error{"unavailable", "no answer"};
  caf::scoped_actor self{sys};
  self->request(dest, timeout, std::forward<Ts>(xs)...)
    .receive([&](R r) { out = std::move(r); }, [&](caf::error& e) { out = from_caf(sys, e); });
  return out;
}

} // namespace

admin_service_impl::admin_service_impl(caf::actor_system& sys,
                                       std::shared_ptr<const session_deps> deps,
                                       session_registry_actor registry,
                                       node_directory_actor directory, peer_links_actor peers)
  : sys_(sys), deps_(std::move(deps)), registry_(std::move(registry)),
    directory_(std::move(directory)), peers_(std::move(peers)),
    nodes_(std::make_unique<storage::node_repository>(deps_->db)),
    actors_(std::make_unique<storage::actor_repository>(deps_->db)) {}

admin_service_impl::~admin_service_impl() = default;

admin::result<std::vector<admin::node_info>> admin_service_impl::nodes() {
  return guarded<std::vector<admin::node_info>>([&] {
    std::lock_guard guard{mtx_};
    std::vector<admin::node_info> out;
    for (auto& n : nodes_->nodes(deps_->cluster))
      out.push_back({n.id, n.http_address, n.cluster_address, n.admin_address, n.state,
                     static_cast<uint64_t>(std::max(0.0, n.heartbeat_age_s) * 1000),
                     static_cast<uint32_t>(n.actors), n.version, n.pid, n.started_at});
    return out;
  });
}

admin::result<node_directory_actor> admin_service_impl::directory_of(const std::string& id) {
  if (id == deps_->node_id)
    return directory_;
  std::optional<storage::node_record> n;
  try {
    std::lock_guard guard{mtx_};
    n = nodes_->find(id);
  } catch (const storage::storage_error& e) {
    return admin::error{"unavailable", e.what()};
  }
  if (!n)
    return admin::error{"not_found", "no node " + id};
  if (n->state != "up" && n->state != "draining")
    return admin::error{"unavailable", "node " + id + " is " + n->state};
  auto dir = ask<node_directory_actor>(sys_, peers_, std::chrono::seconds(10),
                                       caf::connect_atom::value, id, n->cluster_address);
  if (auto* e = std::get_if<admin::error>(&dir))
    e->message = "cannot reach node " + id + ": " + e->message;
  return dir;
}

std::map<std::string, actor_live> admin_service_impl::live_of(const std::string& owner) {
  std::map<std::string, actor_live> out;
  auto dir = directory_of(owner);
  if (auto* d = std::get_if<node_directory_actor>(&dir)) {
    auto r = ask<std::vector<actor_live>>(sys_, *d, ask_timeout, stats_atom::value);
    if (auto* live = std::get_if<std::vector<actor_live>>(&r))
      for (auto& a : *live)
        out[a.id] = a;
    else
      out[""] = actor_live{"", protocol::actor_state::unknown, 0}; // the owner did not answer
  }
  return out;
}

protocol::actor_state admin_service_impl::state_of(const admin::actor_info& row,
                                                   const actor_live* live, bool owner_answered) {
  using protocol::actor_state;
  if (row.owner.empty())
    return actor_state::unowned;
  if (!owner_answered)
    return actor_state::unknown;
  if (live == nullptr)
    return actor_state::unloaded;
  if (live->state == actor_state::idle) // loaded: the database knows whether a turn runs
    return row.state == actor_state::running ? actor_state::running : actor_state::idle;
  return live->state; // restarting, failed, stopped
}

admin::result<std::vector<admin::actor_info>>
admin_service_impl::actors(const admin::actor_filter& f) {
  auto rows = guarded<std::vector<admin::actor_info>>([&] {
    std::lock_guard guard{mtx_};
    return actors_->list(f);
  });
  auto* list = std::get_if<std::vector<admin::actor_info>>(&rows);
  if (list == nullptr)
    return rows;
  std::map<std::string, std::map<std::string, actor_live>> live;
  for (auto& a : *list)
    if (!a.owner.empty() && live.count(a.owner) == 0)
      live[a.owner] = live_of(a.owner);
  std::vector<admin::actor_info> out;
  for (auto& a : *list) {
    const actor_live* l = nullptr;
    bool answered = true;
    if (!a.owner.empty()) {
      auto& of = live[a.owner];
      answered = of.count("") == 0;
      if (auto i = of.find(a.id); i != of.end())
        l = &i->second;
    }
    a.restarts = l != nullptr ? l->restarts : 0;
    a.state = state_of(a, l, answered);
    if (f.state.empty() || f.state == protocol::to_string(a.state))
      out.push_back(std::move(a));
  }
  return out;
}

admin::result<admin::actor_detail> admin_service_impl::inspect(const std::string& id) {
  auto got = guarded<std::optional<admin::actor_detail>>([&] {
    std::lock_guard guard{mtx_};
    return actors_->detail(id);
  });
  if (auto* e = std::get_if<admin::error>(&got))
    return *e;
  auto& d = std::get<std::optional<admin::actor_detail>>(got);
  if (!d)
    return admin::error{"not_found", "no actor " + id};
  const actor_live* l = nullptr;
  std::map<std::string, actor_live> live;
  if (!d->info.owner.empty()) {
    live = live_of(d->info.owner);
    if (auto i = live.find(id); i != live.end())
      l = &i->second;
    auto dir = directory_of(d->info.owner);
    if (auto* dh = std::get_if<node_directory_actor>(&dir)) {
      caf::scoped_actor self{sys_};
      self->request(*dh, ask_timeout, inspect_atom::value, id)
        .receive([&](protocol::actor_state,
                     const std::vector<std::string>& subs) { d->subscribers = subs; },
                 [](const caf::error&) {});
    }
  }
  d->info.restarts = l != nullptr ? l->restarts : 0;
  d->info.state = state_of(d->info, l, live.count("") == 0);
  return std::move(*d);
}

admin::result<bool> admin_service_impl::known_actor(const std::string& id) {
  return guarded<bool>([&]() -> admin::result<bool> {
    std::lock_guard guard{mtx_};
    if (actors_->list({"", id, "", ""}).empty())
      return admin::error{"not_found", "no actor " + id};
    return true;
  });
}

admin::result<bool> admin_service_impl::migrate(const std::string& id, const std::string& node,
                                                const std::string&) {
  if (auto known = known_actor(id); std::holds_alternative<admin::error>(known))
    return known;
  auto target = guarded<std::optional<storage::node_record>>([&] {
    std::lock_guard guard{mtx_};
    return nodes_->find(node);
  });
  if (auto* e = std::get_if<admin::error>(&target))
    return *e;
  auto& n = std::get<std::optional<storage::node_record>>(target);
  if (!n)
    return admin::error{"not_found", "no node " + node};
  if (n->state != "up")
    return admin::error{"invalid_argument", "node " + node + " is " + n->state + ", not up"};
  return ask<bool>(sys_, registry_, change_timeout, migrate_atom::value, id, node);
}

admin::result<bool> admin_service_impl::restart(const std::string& id, const std::string&) {
  if (auto known = known_actor(id); std::holds_alternative<admin::error>(known))
    return known;
  return ask<bool>(sys_, registry_, std::chrono::seconds(30), restart_atom::value, id);
}

admin::result<bool> admin_service_impl::stop(const std::string& id, const std::string&) {
  if (auto known = known_actor(id); std::holds_alternative<admin::error>(known))
    return known;
  return ask<bool>(sys_, registry_, change_timeout, stop_atom::value, id);
}

admin::result<uint32_t> admin_service_impl::drain(const std::string& node, const std::string&) {
  auto dir = directory_of(node);
  if (auto* e = std::get_if<admin::error>(&dir))
    return *e;
  auto moved =
    ask<int64_t>(sys_, std::get<node_directory_actor>(dir), change_timeout, drain_atom::value);
  if (auto* e = std::get_if<admin::error>(&moved))
    return *e;
  return static_cast<uint32_t>(std::get<int64_t>(moved));
}

} // namespace boocode
