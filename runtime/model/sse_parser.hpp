#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace boocode::model {

/// One server-sent event.
struct sse_event {
  std::string event; // "" means the default "message"
  std::string data;  // data lines joined with '\n'
};

/// Incremental text/event-stream parser (WHATWG rules): bytes arrive in
/// arbitrary pieces, lines end in \n, \r\n or \r, a blank line dispatches the
/// event, ':' lines are comments. Bounded: an event over `max_event_bytes`
/// makes feed() return false (a broken or hostile stream).
class sse_parser {
public:
  using handler = std::function<void(sse_event&&)>;

  explicit sse_parser(size_t max_event_bytes = 8u << 20) : max_(max_event_bytes) {}

  /// Parses `bytes`, calling `on_event` for each complete event.
  bool feed(std::string_view bytes, const handler& on_event);

private:
  void line(std::string_view l, const handler& on_event);
  std::string pending_; // an incomplete line
  sse_event current_;
  bool has_data_ = false;
  bool last_was_cr_ = false;
  size_t max_;
};

} // namespace boocode::model
