#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/chat/events.hpp"

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

} // namespace boocode
