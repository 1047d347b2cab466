#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/error.hpp>

#include "actors/session_deps.hpp"
#include "runtime/chat/records.hpp"
#include "runtime/model/usage.hpp"

namespace boocode {

/// What a session's loader read: the lease's epoch, the last frame seq, the
/// messages to show, the turn in progress, the usage totals, whether a
/// turn must run, whether notifications wait for the user (the last turn was
/// cancelled), and a subagent's chat.
struct loaded_session {
  int64_t epoch = 0;
  int64_t last_seq = 0;
  std::vector<chat::message_record> messages;
  std::optional<int> turn;
  model::token_usage usage;
  bool has_work = false;
  bool hold_notifications = false;
  std::string parent_chat;
};

/// The outcome of one load attempt: the session, or why not: not_found (no
/// such chat: the session stops normally), not_owner (a live node owns it),
/// fenced (a reload found the lease moved on), refused (its workspace is not
/// reachable here; the lease is given up), storage_unavailable (try again
/// later) or storage_failure (the database refused).
struct load_result {
  std::optional<loaded_session> session;
  caf::error error;
};

/// Loads chat `chat_id` for a session of node `deps.node_id`, blocking:
/// takes the chat's lease (the next epoch) or, given `keep`, checks that the
/// lease is still that one (a passivated session's reload keeps its epoch),
/// then reads what the session needs. The lease comes first: once it is
/// ours no older owner's write can land, so what is read next stays true.
load_result load_session(const session_deps& deps, const std::string& chat_id,
                         const std::optional<storage::fence>& keep);

} // namespace boocode

// Local only: a session and its loader run on one node.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(boocode::load_result)
