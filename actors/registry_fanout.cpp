// The registry's subscribers: each actor's browsers are kept here as well as
// in the actor, so a restarted, moved or taken-over actor serves them again,
// and they hear why an actor does not run.
#include "actors/registry.hpp"

namespace boocode {

void registry::attach(actor_slot& slot, const session_actor& s) {
  for (auto& [client, from] : slot.subscribers) {
    self_->send(s, subscribe_atom::value, client, from.after_seq, from.epoch);
    from = resume_from{}; // a later move starts from a fresh snapshot
  }
  for (auto& op : std::exchange(slot.queued, {}))
    op(s);
}

void registry::tell(const actor_key& key, actor_slot& slot) {
  auto frame = failed_frame(key.id, slot);
  for (auto& [client, from] : slot.subscribers)
    self_->send(client, frame_atom::value, frame);
}

void registry::subscribe(const actor_key& key, const ws_client_actor& client, int64_t after_seq,
                         int64_t epoch) {
  auto& slot = slots_[key];
  auto [it, added] = slot.subscribers.insert_or_assign(client, resume_from{after_seq, epoch});
  if (added)
    self_->monitor(client);
  session_actor s;
  if (is_local(slot.state))
    s = local_session(key, slot);
  else if (slot.state == slot_state::remote)
    s = slot.remote;
  if (s) {
    self_->send(s, subscribe_atom::value, client, after_seq, epoch);
    it->second = resume_from{};
  } else if (slot.shown() == slot_state::failed || slot.shown() == slot_state::held) {
    self_->send(client, frame_atom::value, failed_frame(key.id, slot));
  } else if (!is_local(slot.state)) {
    if (!slot.refused.empty())
      self_->send(client, frame_atom::value, failed_frame(key.id, slot));
    resolve(key);
  }
}

void registry::unsubscribe(const actor_key& key, const ws_client_actor& client) {
  auto* slot = find(key);
  if (slot == nullptr)
    return;
  slot->subscribers.erase(client);
  for (auto& s : {slot->session, slot->remote})
    if (s)
      self_->send(s, unsubscribe_atom::value, client);
}

} // namespace boocode
