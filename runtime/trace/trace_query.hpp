#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "runtime/trace/trace.hpp"

namespace boocode::trace {

/// GET /api/chats/:id/traces's parameters (docs/api.md).
struct trace_query {
  int limit = 50;
  /// Traces written after this one (the previous page's next_cursor).
  std::optional<int64_t> cursor;
  std::string tool; // empty: every tool
  std::optional<trace::outcome> outcome;
};

inline constexpr int default_page_size = 50;
inline constexpr int max_page_size = 500;

/// The query from decoded parameters, or a message saying which one is bad.
std::variant<trace_query, std::string>
parse_trace_query(const std::vector<std::pair<std::string, std::string>>& params);

/// One page of traces, oldest first; next_cursor is empty on the last page.
struct trace_page {
  std::vector<trace_record> items;
  std::optional<int64_t> next_cursor;
};

} // namespace boocode::trace
