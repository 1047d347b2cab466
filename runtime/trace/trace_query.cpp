#include "runtime/trace/trace_query.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace boocode::trace {

namespace {

template <class T>
std::optional<T> parse_number(const std::string& s) {
  T value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty())
    return std::nullopt;
  return value;
}

bool valid_tool_name(const std::string& s) {
  if (s.empty() || s.size() > 64)
    return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

} // namespace

std::variant<trace_query, std::string>
parse_trace_query(const std::vector<std::pair<std::string, std::string>>& params) {
  trace_query q;
  std::vector<std::string> seen;
  for (auto& [name, value] : params) {
    if (std::find(seen.begin(), seen.end(), name) != seen.end())
      return fmt::format("{} is given twice", name);
    seen.push_back(name);
    if (name == "limit") {
      auto n = parse_number<int>(value);
      if (!n || *n < 1 || *n > max_page_size)
        return fmt::format("limit must be an integer from 1 to {}", max_page_size);
      q.limit = *n;
    } else if (name == "cursor") {
      auto n = parse_number<int64_t>(value);
      if (!n || *n < 0)
        return std::string("cursor is malformed: send back a next_cursor as it came");
      q.cursor = *n;
    } else if (name == "tool") {
      if (!valid_tool_name(value))
        return std::string(
          "tool must be a tool name (1 to 64 characters of a-z, 0-9, '_' and '-')");
      q.tool = value;
    } else if (name == "outcome") {
      q.outcome = protocol::from_name<outcome>(value);
      if (!q.outcome)
        return fmt::format("outcome must be one of {}",
                           fmt::join(protocol::enum_names<outcome>::names, ", "));
    } else {
      return fmt::format("unknown parameter {} (limit, cursor, tool and outcome are known)", name);
    }
  }
  return q;
}

} // namespace boocode::trace
