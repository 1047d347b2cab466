#pragma once

#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "actors/session_deps.hpp"
#include "runtime/messages.hpp"

namespace boocode {

/// The actor of workflow run `id` (kind workflow), supervised and routed by
/// the registry like a chat's session. It takes the run's lease, runs its
/// script in the sandbox from the top, answers each agent() from the step
/// that finished at its structural path or starts that step (a task of the
/// run), hears of each step's end through its inbox, streams workflow_update
/// frames to its subscribers, and ends the run's task once.
session_actor spawn_workflow_run(caf::actor_system& sys, std::shared_ptr<const session_deps> deps,
                                 const std::string& id);

} // namespace boocode
