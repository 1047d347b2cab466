#include "runtime/chat/live_view.hpp"

#include <algorithm>

namespace boocode::chat {

void live_view::reset(std::vector<message_record> messages, std::optional<int> turn,
                      model::token_usage usage) {
  messages_.clear();
  messages_.reserve(messages.size());
  for (auto& m : messages)
    messages_.push_back({std::move(m), {}});
  turn_ = turn;
  resumed_ = turn.has_value(); // a turn in progress at load continues after a restart
  taken_.clear();
  text_.clear();
  reasoning_.clear();
  running_.clear();
  approvals_.clear();
  usage_ = usage;
}

void live_view::apply(const agent_event& e) {
  if (auto* d = std::get_if<answer_delta>(&e)) {
    text_ += d->text;
  } else if (auto* r = std::get_if<reasoning_delta>(&e)) {
    reasoning_ += r->text;
  } else if (auto* m = std::get_if<message_stored>(&e)) {
    store(m->message);
  } else if (auto* c = std::get_if<tool_started>(&e)) {
    running_[c->call_id] = *c;
  } else if (auto* f = std::get_if<tool_finished>(&e)) {
    running_.erase(f->call_id);
  } else if (auto* t = std::get_if<turn_started>(&e)) {
    begin(*t);
  } else if (auto* t = std::get_if<turn_ended>(&e)) {
    end(*t);
  } else if (auto* a = std::get_if<approval_requested>(&e)) {
    // A task's requests are its own conversation's (GET its approvals).
    if (a->task_id.empty())
      approvals_[a->id] = *a;
  } else if (auto* r = std::get_if<approval_resolved>(&e)) {
    if (r->task_id.empty())
      approvals_.erase(r->id);
  }
}

void live_view::store(const message_record& m) {
  auto same = std::find_if(messages_.begin(), messages_.end(),
                           [&](const shown_message& x) { return x.record.id == m.id; });
  if (same != messages_.end())
    *same = {m, {}};
  else
    messages_.push_back({m, {}});
  if (m.role == protocol::message_role::assistant) {
    text_.clear();
    reasoning_.clear();
  }
}

void live_view::begin(const turn_started& t) {
  turn_ = t.turn;
  resumed_ = t.resumed;
  text_.clear();
  reasoning_.clear();
  running_.clear();
  approvals_.clear();
  taken_ = t.user_message_ids;
  for (auto& m : messages_)
    if (std::find(taken_.begin(), taken_.end(), m.record.id) != taken_.end()) {
      m.record.turn = t.turn;
      m.json.clear();
    }
}

void live_view::end(const turn_ended& t) {
  turn_.reset();
  taken_.clear();
  text_.clear();
  reasoning_.clear();
  running_.clear();
  approvals_.clear();
  usage_ += t.usage;
}

bool live_view::has_message(int64_t id) const {
  return std::any_of(messages_.begin(), messages_.end(),
                     [id](const shown_message& m) { return m.record.id == id; });
}

std::optional<int> live_view::taken_by(int64_t id) const {
  if (turn_ && std::find(taken_.begin(), taken_.end(), id) != taken_.end())
    return turn_;
  return std::nullopt;
}

} // namespace boocode::chat
