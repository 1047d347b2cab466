#pragma once

#include <memory>
#include <string>

#include <caf/actor_system.hpp>

#include "actors/session_deps.hpp"
#include "runtime/cancel_token.hpp"
#include "runtime/messages.hpp"

namespace boocode {

/// Runs one turn of a chat on the node's turn threads (the model call and
/// the tools block; beyond `turn-threads` running, turns wait their turn),
/// writing as owner `fence`: resumes the turn in
/// progress from its journal if there is one, else begins a turn with the
/// waiting inbox messages; runs the agent loop (runtime/chat/agent_loop),
/// journaling each step; checkpoints at the end. Sends the turn's events to
/// `session` and ends with turn_done.
void spawn_turn_worker(caf::actor_system& sys, std::shared_ptr<const session_deps> deps,
                       storage::fence fence, std::shared_ptr<cancel_token> cancel,
                       session_actor session);

} // namespace boocode
