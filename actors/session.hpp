#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include <caf/actor_system.hpp>

#include "actors/session_deps.hpp"
#include "runtime/cancel_token.hpp"
#include "runtime/messages.hpp"

namespace boocode {

/// Frame numbering and composition of one chat, testable without actors.
struct frame_sequencer {
  std::string chat_id;
  int64_t seq = 0;

  /// The complete frame for `type` and `payload` (a JSON object's text),
  /// with chat_id and the next seq spliced in.
  std::string next(std::string_view type, std::string_view payload);
};

/// The session actor of one chat: relays its frames to subscribers with a
/// gapless seq, runs one turn at a time on a turn worker, queues input that
/// arrives meanwhile, and cancels on request. Blocking work never runs here.
session_actor spawn_session(caf::actor_system& sys, std::shared_ptr<const session_deps> deps,
                            std::string chat_id, int64_t last_seq);

} // namespace boocode
