#pragma once

#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>
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
  /// Another live node owns the actor: ask it (the context names it).
  not_owner,
  /// Another owner took the actor over since: this one stopped writing it.
  fenced,
  /// This node may not serve the actor (its workspace is not reachable
  /// here); the context says why.
  refused,
  /// The actor cannot answer now (restarting, moving, a node unreachable);
  /// the context says why.
  unavailable,
  /// An operator stopped the actor; it runs again after a restart.
  stopped,
  /// The actor crashed too often and is not restarted until a restart by hand.
  failed,
  /// The database could not be reached or the connection broke: the same
  /// request may succeed later.
  storage_unavailable,
};

std::string to_string(errc x);

/// Whether `e` is the boocode error `code`.
bool is_error(const caf::error& e, errc code);

/// The message an error carries (its one text context), else how `sys`
/// renders it: for logs and for people.
std::string error_text(caf::actor_system& sys, const caf::error& e);

} // namespace boocode

CAF_ERROR_CODE_ENUM(boocode::errc, "boocode")
