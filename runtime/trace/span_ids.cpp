#include "runtime/trace/span_ids.hpp"

#include <fmt/format.h>

#include "runtime/model/cache_shape.hpp"
#include "runtime/protocol/states.hpp"

namespace boocode::trace {

namespace {

std::string hex64(uint64_t v) {
  return fmt::format("{:016x}", v == 0 ? 1 : v);
}

/// The model's id of the call a spawn came from: the kernel names a tool
/// call "STEP:CALL" (t1.0:call_7) to the tools; its span, by CALL alone.
std::string_view traced_call(std::string_view spawn_call) {
  auto at = spawn_call.find(':');
  return at == std::string_view::npos ? spawn_call : spawn_call.substr(at + 1);
}

bool is_task(std::string_view actor_id) {
  return protocol::kind_of_actor(actor_id) != protocol::actor_kind::session;
}

} // namespace

std::string trace_id_of(std::string_view chat_id, int turn) {
  auto key = fmt::format("{}\x1f{}", chat_id, turn);
  auto a = model::hash_bytes(key);
  return hex64(a) + hex64(model::chain_hash(a, key));
}

std::string span_id_of(std::string_view actor_id, int turn, std::string_view call_id) {
  return hex64(model::hash_bytes(fmt::format("{}\x1f{}\x1f{}", actor_id, turn, call_id)));
}

turn_trace turn_trace_of(std::string_view actor_id, int turn, const agent::task_spawn* spawn,
                         const task_lookup& find) {
  turn_trace t;
  t.span_id = span_id_of(actor_id, turn, "turn");
  if (spawn == nullptr) {
    t.trace_id = trace_id_of(actor_id, turn);
    t.root_chat = actor_id;
    return t;
  }
  // Up the spawns to the chat turn at the root; the parent span is the call
  // of the first parent that is not a workflow run (a run has no turns).
  agent::task_spawn at = *spawn;
  for (int hops = 0; hops < 16; ++hops) {
    if (t.parent_span_id.empty() &&
        protocol::kind_of_actor(at.parent_actor) != protocol::actor_kind::workflow)
      t.parent_span_id = span_id_of(at.parent_actor, at.parent_turn, traced_call(at.call_id));
    if (!is_task(at.parent_actor))
      break;
    auto parent = find ? find(at.parent_actor) : std::nullopt;
    if (!parent)
      break;
    at = parent->spawn;
    if (at.parent_actor == at.id) // a run started over REST is its own parent
      break;
  }
  t.root_chat = is_task(at.parent_actor) ? at.chat_id : at.parent_actor;
  t.trace_id = trace_id_of(t.root_chat, at.parent_turn);
  return t;
}

} // namespace boocode::trace
