#include "actors/task_control.hpp"

#include <caf/all.hpp>

#include "runtime/agent/task_text.hpp"
#include "runtime/protocol/tasks.hpp"

namespace boocode {

bool task_control::try_start(const std::string& id) {
  const auto& lim = deps_.task_limits;
  auto prompt = deps_.tasks->start(id, deps_.node_id, lim.running_per_chat, lim.running_per_node);
  if (!prompt)
    return false;
  deliver(id, *prompt);
  announce(id);
  return true;
}

void task_control::start_queued() {
  // A bounded look: what cannot start now waits for the next task's end.
  for (const auto& t : deps_.tasks->queued(deps_.task_limits.running_per_node))
    try_start(t.spawn.id);
}

int task_control::cancel_tree(const std::string& id) {
  // A running workflow run stops its script first and then its own steps
  // (stopped steps first would hand the script nulls it could finish with).
  if (protocol::kind_of_actor(id) == protocol::actor_kind::workflow) {
    if (auto run = deps_.tasks->find(id); run && run->state == protocol::task_state::running) {
      if (auto r = deps_.router->get())
        caf::anon_send(r, cancel_atom::value, id);
      return 1;
    }
  }
  int stopped = 0;
  for (const auto& child : deps_.tasks->children(id))
    stopped += cancel_tree(child.spawn.id);
  auto t = deps_.tasks->find(id);
  if (!t || agent::is_final(t->state))
    return stopped;
  if (t->state == protocol::task_state::queued) {
    auto text = agent::notification_text(*t, protocol::task_state::cancelled, "", "");
    if (auto note = deps_.tasks->finish(id, protocol::task_state::cancelled, "",
                                        "stopped before it started", text)) {
      deliver(t->spawn.parent_actor, *note);
      announce(id);
      return stopped + 1;
    }
    // It started meanwhile: stop it running.
  }
  // Its turn ends cancelled, and its checkpoint ends the task.
  if (auto r = deps_.router->get())
    caf::anon_send(r, cancel_atom::value, id);
  return stopped + 1;
}

int task_control::cancel_chat(const std::string& chat_id) {
  int stopped = 0;
  for (const auto& t : deps_.tasks->for_chat(chat_id))
    if (t.spawn.parent_actor == chat_id) // the rest go with their parents
      stopped += cancel_tree(t.spawn.id);
  return stopped;
}

void task_control::announce(const agent::task_record& t) {
  chat::inbox_entry e;
  e.kind = chat::inbox_kind::task_event;
  e.content = protocol::task_event_text(t);
  deliver(t.spawn.chat_id, e);
}

void task_control::announce(const std::string& id) {
  if (auto t = deps_.tasks->find(id))
    announce(*t);
}

void task_control::deliver(const std::string& actor, const chat::inbox_entry& entry) {
  if (auto r = deps_.router->get())
    caf::anon_send(r, deliver_atom::value, actor, entry);
}

} // namespace boocode
