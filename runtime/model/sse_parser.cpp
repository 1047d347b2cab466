#include "runtime/model/sse_parser.hpp"

namespace boocode::model {

bool sse_parser::feed(std::string_view bytes, const handler& on_event) {
  size_t at = 0;
  while (at < bytes.size()) {
    if (last_was_cr_ && bytes[at] == '\n') { // the \n of a \r\n pair
      last_was_cr_ = false;
      ++at;
      continue;
    }
    last_was_cr_ = false;
    auto end = at;
    while (end < bytes.size() && bytes[end] != '\n' && bytes[end] != '\r')
      ++end;
    if (end == bytes.size())
      end = std::string_view::npos;
    auto piece = bytes.substr(at, end == std::string_view::npos ? end : end - at);
    if (pending_.size() + piece.size() + current_.data.size() > max_)
      return false;
    if (end == std::string_view::npos) { // the line goes on in the next bytes
      pending_.append(piece);
      return true;
    }
    if (pending_.empty()) {
      line(piece, on_event);
    } else {
      pending_.append(piece);
      line(pending_, on_event);
      pending_.clear();
    }
    last_was_cr_ = bytes[end] == '\r';
    at = end + 1;
  }
  return true;
}

void sse_parser::line(std::string_view l, const handler& on_event) {
  if (l.empty()) {
    if (has_data_)
      on_event(std::move(current_));
    current_ = {};
    has_data_ = false;
    return;
  }
  if (l.front() == ':')
    return;
  auto colon = l.find(':');
  auto name = l.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = l.substr(colon + 1);
    if (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
  }
  if (name == "data") {
    if (has_data_)
      current_.data.push_back('\n');
    current_.data.append(value);
    has_data_ = true;
  } else if (name == "event") {
    current_.event = std::string(value);
  }
}

} // namespace boocode::model
