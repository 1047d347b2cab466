#include "runtime/model/sse_parser.hpp"

namespace boocode::model {

bool sse_parser::feed(std::string_view bytes, const handler& on_event) {
  for (char c : bytes) {
    if (c == '\n' && last_was_cr_) {
      last_was_cr_ = false; // the \n of a \r\n pair
      continue;
    }
    last_was_cr_ = c == '\r';
    if (c == '\n' || c == '\r') {
      line(pending_, on_event);
      pending_.clear();
      continue;
    }
    pending_.push_back(c);
    if (pending_.size() + current_.data.size() > max_)
      return false;
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
