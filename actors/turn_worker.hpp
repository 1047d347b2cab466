#pragma once

#include <memory>
#include <string>

#include <caf/actor_system.hpp>

#include "actors/session_deps.hpp"
#include "runtime/cancel_token.hpp"
#include "runtime/messages.hpp"

namespace boocode {

/// Runs one turn of a chat on a thread of its own (detached: the model call
/// and the tools block): takes the chat's pending user messages, runs the
/// agent loop (runtime/chat/agent_loop), stores what it produces, sends the
/// frames to `session` as (frame, type, payload) and ends with turn_done.
void spawn_turn_worker(caf::actor_system& sys, std::shared_ptr<const session_deps> deps,
                       std::shared_ptr<shared_repository> repo, std::string chat_id,
                       std::shared_ptr<cancel_token> cancel, session_actor session);

} // namespace boocode
