#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/session_deps.hpp"
#include "runtime/agent/task.hpp"
#include "runtime/cancel_token.hpp"
#include "runtime/chat/journal.hpp"
#include "runtime/messages.hpp"
#include "runtime/model/conversation.hpp"
#include "runtime/model/usage.hpp"

namespace boocode {

/// What a session keeps of its chat between turns, so that a turn starts
/// without reading the chat again: the model's view of the conversation and
/// what the next checkpoint needs. Only the running turn's worker touches
/// it, but for `seq`, which the session keeps. `valid` is false until a
/// turn filled it, and again after a turn that did not reach its checkpoint
/// (the next turn reads the chat again).
struct chat_memory {
  /// The last frame seq the session has given out: what a checkpoint stores
  /// (frames on their way then, and the turn's last ones, come after it; a
  /// session that loads again under a new epoch numbers on from there, and
  /// its snapshot resets the count a browser keeps).
  std::atomic<int64_t> seq{0};
  bool valid = false;
  int turns = 0;            // the last checkpointed turn (chats.turns)
  model::token_usage usage; // the chat's totals over those turns
  std::string workspace;
  std::optional<std::vector<std::string>> build_command;
  std::string system_prompt;
  model::conversation conversation; // without the system prompt
  /// A subagent's task (its spawn: tools, model, parent); none for a chat.
  std::optional<agent::task_record> task;
  /// Its last model call, for the prompt cache's break check.
  model::cache_memory prompt_cache;
};

/// Runs one turn of a chat on the node's turn threads (the model call and
/// the tools block; beyond `turn-threads` running, turns wait their turn),
/// writing as owner `fence`: resumes the turn in progress from its journal
/// if there is one, else begins a turn with the waiting inbox messages. When
/// `memory` is valid the chat is not read: with `given` (inbox entries the
/// session was delivered and no turn took) the turn takes those and starts
/// at once, its begin written behind it like a journal step (make_durable
/// waits for it); without, it begins in one round trip. Runs the agent
/// kernel (runtime/agent) with the chat's spec, journaling each step;
/// checkpoints at the end. Sends the turn's events to `session` and ends
/// with turn_done.
void spawn_turn_worker(std::shared_ptr<const session_deps> deps, storage::fence fence,
                       std::shared_ptr<cancel_token> cancel, session_actor session,
                       std::shared_ptr<chat_memory> memory, std::vector<chat::inbox_entry> given);

} // namespace boocode
