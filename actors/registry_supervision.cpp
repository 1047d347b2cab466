// The registry's supervision: starting this node's actors, restarting a
// crashed one with backoff until its policy gives up, stopping one at its
// turn boundary, and letting go of everything when the cluster declared
// this node dead.
#include "actors/registry.hpp"

#include "runtime/errors.hpp"

namespace boocode {

registry::~registry() {
  for (auto& [key, slot] : slots_)
    if (slot.session)
      caf::anon_send_exit(slot.session, caf::exit_reason::user_shutdown);
}

void registry::init(registry_impl::pointer self, std::string node_id,
                    std::shared_ptr<spdlog::logger> log, cluster_store_actor store,
                    peer_links_actor peers, kind_table kinds, metrics::counter moved) {
  self_ = self;
  me_ = std::move(node_id);
  log_ = std::move(log);
  store_ = std::move(store);
  peers_ = std::move(peers);
  kinds_ = std::move(kinds);
  moved_ = moved;
}

const kind_traits& registry::traits(const actor_key& key) const {
  auto i = kinds_.find(key.kind);
  if (i == kinds_.end())
    throw std::logic_error("the registry has no traits for kind " +
                           std::string(protocol::to_string(key.kind)));
  return i->second;
}

actor_slot* registry::find(const actor_key& key) {
  auto i = slots_.find(key);
  return i == slots_.end() ? nullptr : &i->second;
}

void registry::settle(actor_slot& slot, const caf::error& err) {
  for (auto& f : std::exchange(slot.after_route, {}))
    f(err);
  slot.force_route = false;
}

void registry::start(const actor_key& key, actor_slot& slot) {
  slot.session = traits(key).spawn(self_->system(), key.id);
  slot.state = slot_state::running;
  self_->monitor(slot.session);
  attach(slot, slot.session);
  for (auto& rp : std::exchange(slot.waiting, {}))
    rp.deliver(slot.session);
  settle(slot, {});
}

session_actor registry::local_session(const actor_key& key, actor_slot& slot) {
  if (slot.state == slot_state::owned)
    start(key, slot);
  return slot.session;
}

void registry::stop_session(const actor_key& key, bool cancel, std::function<void()> then) {
  auto s = slots_[key].session;
  if (!s) {
    then();
    return;
  }
  // Runs once: when the session answers, or when it ends without answering
  // (on_down: an actor that quits holding a request never answers it).
  auto forget = [this, key, s, then, ran = std::make_shared<bool>(false)] {
    if (std::exchange(*ran, true))
      return;
    auto& slot = slots_[key];
    slot.stopping = nullptr;
    if (slot.session == s) {
      self_->demonitor(s.address());
      slot.session = nullptr;
    }
    then();
  };
  slots_[key].stopping = forget;
  auto done = [forget](bool) { forget(); };
  auto ended = [forget](caf::error&) { forget(); };
  if (cancel)
    self_->request(s, caf::infinite, stop_atom::value).then(done, ended);
  else
    self_->request(s, caf::infinite, migrate_atom::value).then(done, ended);
}

bool registry::restart_here(const actor_key& key) {
  auto& slot = slots_[key];
  if (slot.session || slot.state == slot_state::moving)
    return false; // running: nothing to restart
  if (slot.state == slot_state::failed || slot.state == slot_state::held) { // by hand: afresh
    slot.policy.reset();
    if (log_)
      log_->info("session of {} {} restarted by hand", traits(key).noun, key.id);
  }
  start(key, slot);
  return true;
}

void registry::respawn(const actor_key& key) {
  auto& slot = slots_[key];
  if (slot.state == slot_state::restarting)
    start(key, slot);
}

void registry::on_down(const caf::down_msg& dm) {
  for (auto& [key, slot] : slots_) {
    if (slot.session && slot.session.address() == dm.source) {
      slot.session = nullptr;
      auto stopping = std::exchange(slot.stopping, {});
      if (is_error(dm.reason, errc::not_owner) || is_error(dm.reason, errc::fenced) ||
          is_error(dm.reason, errc::refused)) {
        // The actor is (now) another node's, or not servable here; an
        // operator's stop or move of it ends (a move finds the lease gone).
        slot.state = slot_state::unrouted;
        if (stopping)
          stopping();
        if (slot.needs_route())
          resolve(key);
        return;
      }
      if (slot.state == slot_state::held || slot.state == slot_state::moving) {
        if (stopping)
          stopping(); // stopped on purpose (or ended meanwhile): the stop or move goes on
        return;
      }
      if (!is_crash(dm.reason)) {
        slot.state = slot_state::owned; // started again when needed
        return;
      }
      const auto& noun = traits(key).noun;
      slot.last_error = self_->system().render(dm.reason);
      auto delay = slot.policy.record_crash(std::chrono::steady_clock::now());
      if (slot.policy.failed) {
        slot.state = slot_state::failed;
        if (log_)
          log_->error("session of {} {} failed {} times in {} s; marked failed: {}", noun, key.id,
                      slot.policy.crashes.size(), slot.policy.window.count(), slot.last_error);
        tell(key, slot);
        return;
      }
      if (log_)
        log_->warn("session of {} {} crashed ({}); restarting in {} ms", noun, key.id,
                   slot.last_error, delay.count());
      slot.state = slot_state::restarting;
      self_->delayed_send(self_, delay, respawn_atom::value, key.kind, key.id);
      return;
    }
    if (slot.remote && slot.remote.address() == dm.source) {
      // The owner's actor stopped (moved, node gone): find the new one.
      slot.remote = nullptr;
      slot.owner.clear();
      if (slot.state == slot_state::remote)
        slot.state = slot_state::unrouted;
      if (slot.needs_route())
        resolve(key);
      return;
    }
    for (auto i = slot.subscribers.begin(); i != slot.subscribers.end(); ++i)
      if (i->first.address() == dm.source) {
        slot.subscribers.erase(i);
        break;
      }
  }
}

void registry::reset() {
  for (auto& [key, slot] : slots_) {
    if (slot.session) {
      self_->demonitor(slot.session.address());
      caf::anon_send_exit(slot.session, caf::exit_reason::kill);
    }
    slot.session = nullptr;
    if (is_local(slot.state))
      slot.state = slot_state::unrouted;
    slot.policy.reset();
    if (slot.needs_route()) // once the node rejoined
      self_->delayed_send(self_, std::chrono::milliseconds(500), retry_atom::value, key.kind,
                          key.id);
  }
}

} // namespace boocode
