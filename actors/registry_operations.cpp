// The registry's operator actions (the admin port and the API): restart,
// stop, migrate, drain, and what an actor's state is.
#include "actors/registry.hpp"
#include "runtime/errors.hpp"

namespace boocode {

namespace {

template <class T>
using promise_ptr = std::shared_ptr<caf::typed_response_promise<T>>;

template <class T, class Self>
promise_ptr<T> promise(Self* self) {
  return std::make_shared<caf::typed_response_promise<T>>(
    self->template make_response_promise<T>());
}

} // namespace

caf::result<bool> registry::restart(const actor_key& key) {
  auto& slot = slots_[key];
  if (is_local(slot.state))
    return restart_here(key);
  if (slot.state == slot_state::remote)
    return false;
  auto rp = promise<bool>(self_);
  at_owner(
    key, [this, key, rp] { rp->deliver(restart_here(key)); },
    [this, key, rp](const node_directory_actor& dir) {
      self_->request(dir, std::chrono::seconds(10), restart_atom::value, key.id)
        .then(
          [this, key, rp](bool restarted) {
            rp->deliver(restarted);
            auto& slot = slots_[key];
            slot.refused.clear();
            if (slot.needs_route())
              resolve(key);
          },
          [rp](caf::error& e) { rp->deliver(e); });
    },
    [rp](const caf::error& e) { rp->deliver(e); });
  return *rp;
}

void registry::migrate_local(const actor_key& key, const std::string& target, bool restore,
                             std::function<void(caf::expected<bool>)> done) {
  auto& slot = slots_[key];
  if (target == me_) {
    done(false); // already here
    return;
  }
  if (slot.state == slot_state::moving) {
    done(caf::make_error(errc::unavailable, "chat " + key.id + " is already moving"));
    return;
  }
  // Where it stays if the move fails (its session stopped either way).
  slot.before_move = slot.state == slot_state::running ? slot_state::owned : slot.state;
  slot.state = slot_state::moving;
  restore = restore || slot.session || !slot.subscribers.empty();
  auto moved = [this, key, target, restore, done](int64_t epoch) {
    auto& slot = slots_[key];
    if (is_local(slot.state)) // not if the node was reset meanwhile
      slot.state = slot_state::unrouted;
    slot.policy.reset();
    moved_.inc();
    // Other nodes asked for it while it stopped: it is the target's now
    // (holding them while this node asks the target could deadlock two
    // nodes routing the same actor).
    for (auto& rp : std::exchange(slot.waiting, {}))
      rp.deliver(served_by(key.id, target));
    if (log_)
      log_->info("moved {} {} to node {} (epoch {})", traits(key).noun, key.id, target, epoch);
    if (!restore) {
      done(true);
      return;
    }
    slot.force_route = true;
    slot.after_route.emplace_back([done](const caf::error& e) {
      if (e)
        done(e);
      else
        done(true);
    });
    resolve(key);
  };
  auto stays = [this, key, target, done](caf::error& e) {
    auto& slot = slots_[key];
    if (log_)
      log_->warn("cannot move {} {} to node {}: {}", traits(key).noun, key.id, target,
                 self_->system().render(e));
    if (slot.state == slot_state::moving) // not if the node was reset meanwhile
      settle_move(key, slot);
    done(e);
  };
  stop_session(key, false, [this, key, target, moved, stays] {
    self_->request(store_, std::chrono::seconds(10), move_atom::value, key.id, me_, target)
      .then(moved, stays);
  });
}

void registry::settle_move(const actor_key& key, actor_slot& slot) {
  slot.state = slot.before_move;
  switch (slot.state) {
    case slot_state::restarting: // its restart came due while it was moving
      start(key, slot);
      return;
    case slot_state::held:
    case slot_state::failed: { // what waited for it is told why it does not run
      auto err = slot.state == slot_state::held
                   ? caf::make_error(errc::stopped, stopped_text(key.id))
                   : caf::make_error(errc::failed, "the session of chat " + key.id +
                                                     " failed: " + slot.last_error);
      for (auto& rp : std::exchange(slot.waiting, {}))
        rp.deliver(err);
      slot.queued.clear();
      return;
    }
    default:
      break;
  }
  if (slot.needs_route())
    if (auto s = local_session(key, slot))
      attach(slot, s);
}

caf::result<bool> registry::migrate(const actor_key& key, const std::string& target) {
  auto rp = promise<bool>(self_);
  auto done = [rp](caf::expected<bool> r) {
    if (r)
      rp->deliver(*r);
    else
      rp->deliver(r.error());
  };
  if (is_local(slots_[key].state)) {
    migrate_local(key, target, true, done);
    return *rp;
  }
  at_owner(
    key, [this, key, target, done] { migrate_local(key, target, true, done); },
    [this, key, target, rp](const node_directory_actor& dir) {
      self_->request(dir, caf::infinite, migrate_atom::value, key.id, target)
        .then([rp](bool moved) { rp->deliver(moved); }, [rp](caf::error& e) { rp->deliver(e); });
    },
    [rp](const caf::error& e) { rp->deliver(e); });
  return *rp;
}

caf::result<int64_t> registry::drain() {
  auto rp = promise<int64_t>(self_);
  auto fail = [rp](const caf::error& e) { rp->deliver(e); };
  auto with_nodes = [this, rp, fail](const std::vector<peer_info>& nodes) {
    std::map<std::string, int64_t> load; // the targets: the other up nodes
    for (auto& n : nodes)
      if (n.node_id != me_ && n.state == "up")
        load[n.node_id] = n.actors;
    if (load.empty()) { // back up: it keeps serving
      auto err =
        caf::make_error(errc::unavailable, "no other node is up to take this node's chats");
      self_->request(store_, std::chrono::seconds(10), state_atom::value, std::string("up"))
        .then([fail, err](bool) { fail(err); }, [fail, err](const caf::error&) { fail(err); });
      return;
    }
    self_->request(store_, std::chrono::seconds(10), leases_atom::value, me_)
      .then([this, rp, load](const std::vector<std::string>& ids) { spread(ids, load, rp); }, fail);
  };
  self_->request(store_, std::chrono::seconds(10), state_atom::value, std::string("draining"))
    .then(
      [this, with_nodes, fail](bool) {
        self_->request(store_, std::chrono::seconds(10), nodes_atom::value).then(with_nodes, fail);
      },
      fail);
  return *rp;
}

void registry::spread(std::vector<std::string> ids, std::map<std::string, int64_t> load,
                      promise_ptr<int64_t> rp) {
  if (log_)
    log_->info("draining: moving {} actor(s) to {} node(s)", ids.size(), load.size());
  if (ids.empty()) {
    rp->deliver(int64_t{0});
    return;
  }
  struct progress {
    size_t left;
    int64_t moved = 0;
  };
  auto p = std::make_shared<progress>(progress{ids.size()});
  for (auto& id : ids) {
    auto target = std::min_element(load.begin(), load.end(),
                                   [](auto& a, auto& b) { return a.second < b.second; });
    ++target->second;
    actor_key key{protocol::kind_of_actor(id), id};
    slots_[key].own(); // its lease is ours
    migrate_local(key, target->first, false, [p, rp](caf::expected<bool> r) {
      if (r && *r)
        ++p->moved;
      if (--p->left == 0)
        rp->deliver(p->moved);
    });
  }
}

caf::result<bool> registry::stop(const actor_key& key) {
  auto rp = promise<bool>(self_);
  auto here = [this, key, rp] {
    auto& slot = slots_[key];
    if (slot.shown() == slot_state::held) {
      rp->deliver(false);
      return;
    }
    if (slot.state == slot_state::moving) { // held here if the move fails
      slot.before_move = slot_state::held;
      tell(key, slot);
      rp->deliver(true);
      return;
    }
    slot.state = slot_state::held;
    stop_session(key, true, [this, key, rp] {
      tell(key, slots_[key]);
      if (log_)
        log_->info("{} {} stopped by an operator", traits(key).noun, key.id);
      rp->deliver(true);
    });
  };
  if (is_local(slots_[key].state)) {
    here();
    return *rp;
  }
  at_owner(
    key, here,
    [this, key, rp](const node_directory_actor& dir) {
      self_->request(dir, caf::infinite, stop_atom::value, key.id)
        .then([rp](bool stopped) { rp->deliver(stopped); },
              [rp](caf::error& e) { rp->deliver(e); });
    },
    [rp](const caf::error& e) { rp->deliver(e); });
  return *rp;
}

caf::result<protocol::chat_status> registry::status(const actor_key& key) {
  using protocol::chat_status;
  auto* slot = find(key);
  if (slot == nullptr)
    return chat_status::idle;
  switch (slot->shown()) {
    case slot_state::failed:
      return chat_status::failed;
    case slot_state::restarting:
      return chat_status::restarting;
    case slot_state::held:
      return chat_status::stopped;
    default:
      break;
  }
  auto s = slot->session ? slot->session : slot->remote;
  if (!s)
    return slot->refused.empty() ? chat_status::idle : status_of(slot->refusal);
  auto rp = self_->make_response_promise<chat_status>();
  self_->request(s, std::chrono::seconds(2), status_atom::value)
    .then(
      [rp](protocol::session_status x) mutable {
        rp.deliver(x == protocol::session_status::running ? chat_status::running
                                                          : chat_status::idle);
      },
      [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

std::vector<actor_live> registry::stats() const {
  std::vector<actor_live> out;
  for (auto& [key, slot] : slots_)
    if (is_local(slot.state))
      if (auto state = live_state(slot))
        out.push_back({key.id, *state, static_cast<uint32_t>(slot.policy.crashes.size())});
  return out;
}

caf::result<protocol::actor_state, std::vector<std::string>>
registry::inspect(const actor_key& key) {
  auto* slot = find(key);
  if (slot == nullptr || !is_local(slot->state))
    return caf::make_error(errc::not_owner, "chat " + key.id + " does not run here");
  if (slot->session)
    return self_->delegate(slot->session, inspect_atom::value);
  return {slot->shown() == slot_state::held ? protocol::actor_state::stopped
                                            : protocol::actor_state::unloaded,
          std::vector<std::string>{}};
}

} // namespace boocode
