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
#include "runtime/cancel_token.hpp"
#include "runtime/messages.hpp"

namespace boocode {

/// Frame numbering and composition of one chat, testable without actors.
struct frame_sequencer {
  std::string chat_id;
  int64_t seq = 0;

  /// The complete frame of `e`, with chat_id and the next seq.
  std::string next(const chat::agent_event& e);
};

/// The latest frames of a chat, for a client that reconnects and continues
/// from the last seq it saw: at most `capacity` frames and `max_bytes` of them.
class frame_log {
public:
  explicit frame_log(size_t capacity = 4096, size_t max_bytes = size_t{4} << 20)
    : capacity_(capacity), max_bytes_(max_bytes) {}
  void add(int64_t seq, std::string frame);
  /// Every frame after `after_seq` up to `last_seq` (the newest), or nothing
  /// when some of them are no longer kept or after_seq is not a seq of ours.
  std::optional<std::vector<std::string>> after(int64_t after_seq, int64_t last_seq) const;

private:
  size_t capacity_;
  size_t max_bytes_;
  size_t bytes_ = 0;
  std::deque<std::pair<int64_t, std::string>> frames_;
};

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
