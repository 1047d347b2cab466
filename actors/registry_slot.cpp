#include "actors/registry_slot.hpp"

#include <algorithm>

#include "runtime/errors.hpp"
#include "runtime/protocol/frames.hpp"

namespace boocode {

std::chrono::milliseconds restart_policy::record_crash(std::chrono::steady_clock::time_point now) {
  crashes.push_back(now);
  std::erase_if(crashes, [&](auto at) { return now - at > window; });
  if (static_cast<int>(crashes.size()) >= max_crashes) {
    failed = true;
    return {};
  }
  auto doublings = std::min<size_t>(crashes.size() - 1, 16); // past the cap anyway
  auto delay = first_delay * (int64_t{1} << doublings);
  return std::min(delay, max_delay);
}

void restart_policy::reset() {
  crashes.clear();
  failed = false;
}

bool is_local(slot_state s) {
  switch (s) {
    case slot_state::unrouted:
    case slot_state::resolving:
    case slot_state::remote:
      return false;
    case slot_state::owned:
    case slot_state::running:
    case slot_state::restarting:
    case slot_state::failed:
    case slot_state::held:
    case slot_state::moving:
      break;
  }
  return true;
}

bool is_crash(const caf::error& reason) {
  return reason && reason != caf::exit_reason::normal &&
         reason != caf::exit_reason::user_shutdown && reason != caf::exit_reason::kill &&
         !is_error(reason, errc::not_owner) && !is_error(reason, errc::fenced) &&
         !is_error(reason, errc::refused);
}

std::string stopped_text(const std::string& id) {
  return "chat " + id + " was stopped by an operator; it runs again after a restart";
}

std::string failed_frame(const std::string& id, const actor_slot& slot) {
  using protocol::session_failure;
  if (slot.shown() == slot_state::failed)
    return protocol::session_failed_frame(id, session_failure::failed, slot.policy.crashes.size(),
                                          slot.last_error);
  if (slot.shown() == slot_state::held)
    return protocol::session_failed_frame(id, session_failure::stopped, 0, stopped_text(id));
  return protocol::session_failed_frame(id, slot.refusal, 0, slot.refused);
}

std::optional<protocol::session_failure> refusal_of(const caf::error& err) {
  using protocol::session_failure;
  if (is_error(err, errc::stopped))
    return session_failure::stopped;
  if (is_error(err, errc::failed))
    return session_failure::failed;
  if (is_error(err, errc::refused) || is_error(err, errc::unavailable))
    return session_failure::unavailable;
  return std::nullopt;
}

protocol::chat_status status_of(protocol::session_failure why) {
  switch (why) {
    case protocol::session_failure::stopped:
      return protocol::chat_status::stopped;
    case protocol::session_failure::failed:
      return protocol::chat_status::failed;
    case protocol::session_failure::unavailable:
      break;
  }
  return protocol::chat_status::unavailable;
}

std::optional<protocol::actor_state> live_state(const actor_slot& slot) {
  using protocol::actor_state;
  switch (slot.shown()) {
    case slot_state::held:
      return actor_state::stopped;
    case slot_state::failed:
      return actor_state::failed;
    case slot_state::restarting:
      return actor_state::restarting;
    case slot_state::running:
    case slot_state::moving:
      if (slot.session)
        return actor_state::idle; // loaded
      break;
    case slot_state::owned:
    case slot_state::unrouted:
    case slot_state::resolving:
    case slot_state::remote:
      break;
  }
  return std::nullopt;
}

caf::error served_by(const std::string& id, const std::string& node) {
  return caf::make_error(errc::not_owner, "chat " + id + " is served by node " + node);
}

} // namespace boocode
