#include "actors/session_frames.hpp"

#include "runtime/protocol/frames.hpp"

namespace boocode {

std::string frame_sequencer::next(const chat::agent_event& e) {
  return protocol::chat_frame(chat_id, ++seq, e);
}

void frame_log::add(int64_t seq, std::string frame) {
  bytes_ += frame.size();
  frames_.emplace_back(seq, std::move(frame));
  while (frames_.size() > capacity_ || (bytes_ > max_bytes_ && frames_.size() > 1)) {
    bytes_ -= frames_.front().second.size();
    frames_.pop_front();
  }
}

std::optional<std::vector<std::string>> frame_log::after(int64_t after_seq,
                                                         int64_t last_seq) const {
  if (after_seq < 0 || after_seq > last_seq)
    return std::nullopt;
  if (after_seq < last_seq && (frames_.empty() || frames_.front().first > after_seq + 1))
    return std::nullopt; // some of them are gone
  std::vector<std::string> out;
  for (auto& [seq, frame] : frames_)
    if (seq > after_seq)
      out.push_back(frame);
  return out;
}

} // namespace boocode
