#pragma once

#include <string_view>

namespace boocode {

/// The text of `rest` up to the first `sep` (all of it when there is none),
/// and `rest` moved past that separator: `while (!rest.empty()) use(take_item(rest, ','));`.
inline std::string_view take_item(std::string_view& rest, char sep) {
  auto at = rest.find(sep);
  auto item = rest.substr(0, at);
  rest = at == std::string_view::npos ? std::string_view{} : rest.substr(at + 1);
  return item;
}

} // namespace boocode
