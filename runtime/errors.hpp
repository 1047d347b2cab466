#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/message.hpp>

namespace boocode {

/// Errors that cross actor boundaries, as `caf::error` with category "boocode".
enum class errc : uint8_t {
  none = 0,
  /// The database refused or lost a request; the context names the cause.
  storage_failure,
  /// A request was malformed; the context says which part.
  invalid_argument,
  /// The actor, chat or node asked for does not exist.
  not_found,
};

std::string to_string(errc x);

} // namespace boocode

CAF_ERROR_CODE_ENUM(boocode::errc, "boocode")
