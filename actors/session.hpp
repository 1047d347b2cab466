#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/session_deps.hpp"
#include "actors/session_frames.hpp"
#include "runtime/cancel_token.hpp"
#include "runtime/messages.hpp"

namespace boocode {

/// The session actor of one chat. It takes the chat's lease and loads its
/// state (off its thread), then relays the chat's frames to subscribers with
/// a gapless seq, keeping a live view for snapshots; runs one turn at a time
/// on a turn worker (resuming one in progress first), queues input that
/// arrives meanwhile, and cancels on request. Blocking work never runs here.
/// It stops with an error when its database fails (its supervisor restarts
/// it) and normally when another owner fenced it off.
session_actor spawn_session(caf::actor_system& sys, std::shared_ptr<const session_deps> deps,
                            std::string chat_id);

} // namespace boocode
