// The registry's routing: who owns an actor (the cluster store says,
// claiming it for this node when no live node does), reaching it there, and
// retrying with backoff when nobody can be asked.
#include "actors/peers.hpp"
#include "actors/registry.hpp"
#include "runtime/errors.hpp"

namespace boocode {

void registry::resolve(const actor_key& key) {
  auto& slot = slots_[key];
  if (slot.state != slot_state::unrouted)
    return; // being resolved, or routed
  slot.state = slot_state::resolving;
  self_->request(store_, std::chrono::seconds(10), route_atom::value, key.id)
    .then(
      [this, key](const std::string& owner, const std::string& address) {
        auto& slot = slots_[key];
        if (owner == me_) {
          slot.failures = 0;
          slot.refused.clear();
          slot.done_resolving();
          slot.own();
          if (!local_session(key, slot) && slot.state == slot_state::failed)
            for (auto& rp : std::exchange(slot.waiting, {}))
              rp.deliver(caf::make_error(errc::failed, "the session of chat " + key.id +
                                                         " failed: " + slot.last_error));
          return;
        }
        // Other nodes asked this one for an actor it does not own: theirs to
        // ask the owner (holding them while this node asks could hold two
        // nodes that ask each other).
        for (auto& rp : std::exchange(slot.waiting, {}))
          rp.deliver(served_by(key.id, owner));
        if (!slot.needs_route()) {
          slot.done_resolving();
          return;
        }
        ask_owner(key, owner, address);
      },
      [this, key](caf::error& e) { route_failed(key, e); });
}

void registry::ask_owner(const actor_key& key, const std::string& owner,
                         const std::string& address) {
  slots_[key].asking = owner;
  auto found = [this, key, owner](const session_actor& s) {
    auto& slot = slots_[key];
    slot.done_resolving();
    slot.asking.clear();
    slot.stale = 0;
    slot.failures = 0;
    slot.refused.clear();
    if (is_local(slot.state) || !s) { // became ours meanwhile
      settle(slot, {});
      return;
    }
    slot.state = slot_state::remote;
    slot.remote = s;
    slot.owner = owner;
    for (auto& rp : std::exchange(slot.waiting, {})) // not ours to give
      rp.deliver(served_by(key.id, owner));
    self_->monitor(s);
    attach(slot, s);
    settle(slot, {});
  };
  auto refused = [this, key](caf::error& e) {
    auto& slot = slots_[key];
    slot.asking.clear();
    if (is_error(e, errc::not_owner) && ++slot.stale <= 5) {
      // The node the store named is not the owner (it moved meanwhile, or
      // both nodes asked each other): ask the store again, at once, keeping
      // whoever waits for the route.
      slot.done_resolving();
      self_->send(self_, retry_atom::value, key.kind, key.id);
      return;
    }
    slot.stale = 0;
    route_failed(key, e);
  };
  connect_directory(
    self_, peers_, owner, address,
    [this, key, found, refused](const node_directory_actor& dir) {
      self_->request(dir, std::chrono::seconds(10), resolve_atom::value, key.id)
        .then(found, refused);
    },
    [this, key](const caf::error& e) {
      slots_[key].asking.clear();
      route_failed(key, e);
    });
}

void registry::route_failed(const actor_key& key, const caf::error& err) {
  auto& slot = slots_[key];
  slot.done_resolving();
  ++slot.failures;
  auto text = error_text(self_->system(), err);
  for (auto& rp : std::exchange(slot.waiting, {}))
    rp.deliver(err);
  settle(slot, err);
  if (is_error(err, errc::not_found)) {
    slot.queued.clear();
    return;
  }
  auto delay = std::min(std::chrono::milliseconds(50) * (1 << std::min(slot.failures, 6)),
                        std::chrono::milliseconds(2000));
  const auto& noun = traits(key).noun;
  if (auto why = refusal_of(err)) {
    if (slot.refused != text || slot.refusal != *why) {
      slot.refused = text;
      slot.refusal = *why;
      tell(key, slot);
      if (log_)
        log_->warn("{} {} cannot be served: {}", noun, key.id, text);
    }
    delay = std::chrono::milliseconds(5000);
  } else if (slot.failures == 1 && log_) {
    log_->info("{} {}: routing failed ({}); retrying", noun, key.id, text);
  }
  if (slot.needs_route())
    self_->delayed_send(self_, delay, retry_atom::value, key.kind, key.id);
}

void registry::retry_route(const actor_key& key) {
  if (slots_[key].needs_route())
    resolve(key);
}

void registry::with_session(const actor_key& key, std::function<void(const session_actor&)> op) {
  auto& slot = slots_[key];
  if (is_local(slot.state)) {
    // One being restarted (or failed, or stopped) has none: a message
    // waits in its inbox for the next start.
    if (auto s = local_session(key, slot))
      op(s);
    return;
  }
  if (slot.state == slot_state::remote) {
    op(slot.remote);
    return;
  }
  slot.queued.push_back(std::move(op));
  resolve(key);
}

void registry::deliver(const actor_key& key, const chat::inbox_entry& entry) {
  with_session(
    key, [this, entry](const session_actor& s) { self_->send(s, deliver_atom::value, entry); });
}

void registry::cancel(const actor_key& key) {
  with_session(key, [this](const session_actor& s) { self_->send(s, cancel_atom::value); });
}

void registry::at_owner(const actor_key& key, std::function<void()> here,
                        std::function<void(const node_directory_actor&)> there,
                        std::function<void(const caf::error&)> fail) {
  self_->request(store_, std::chrono::seconds(10), route_atom::value, key.id)
    .then(
      [this, key, here, there, fail](const std::string& owner, const std::string& address) {
        if (owner == me_) {
          slots_[key].own();
          here();
        } else {
          connect_directory(self_, peers_, owner, address, there, fail);
        }
      },
      [fail](caf::error& e) { fail(e); });
}

caf::result<session_actor> registry::resolve_request(const actor_key& key) {
  auto& slot = slots_[key];
  if (slot.shown() == slot_state::failed)
    return caf::make_error(errc::failed,
                           "the session of chat " + key.id + " failed: " + slot.last_error);
  if (slot.shown() == slot_state::held)
    return caf::make_error(errc::stopped, stopped_text(key.id));
  if (is_local(slot.state)) {
    if (auto s = local_session(key, slot))
      return s;
  } else if (slot.state == slot_state::remote) {
    return served_by(key.id, slot.owner);
  } else if (!slot.asking.empty()) {
    // This node asks that one about the actor now; waiting here could hold
    // both nodes until their requests time out.
    return served_by(key.id, slot.asking);
  }
  // Restarting, moving, or not routed yet: answered once it is.
  auto rp = self_->make_response_promise<session_actor>();
  slot.waiting.push_back(rp);
  if (!is_local(slot.state))
    resolve(key);
  return rp;
}

void registry::resume(const actor_key& key) {
  auto& slot = slots_[key];
  if (slot.state == slot_state::remote) {
    self_->demonitor(slot.remote.address());
    slot.remote = nullptr;
    slot.owner.clear();
  }
  slot.own();
  local_session(key, slot);
}

} // namespace boocode
