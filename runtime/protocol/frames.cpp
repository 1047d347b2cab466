#include "runtime/protocol/frames.hpp"

#include <nlohmann/json.hpp>

#include "runtime/protocol/json_writer.hpp"
#include "runtime/protocol/records.hpp"
#include "runtime/protocol/requests.hpp"
#include "runtime/protocol/traces.hpp"

namespace boocode::protocol {

namespace {

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void put_tool_call(object_writer& w, const chat::tool_started& c) {
  w.num("turn", c.turn).str("call_id", c.call_id).str("name", c.name).str("arguments", c.arguments);
}

void put_approval(object_writer& w, const chat::approval_requested& a) {
  w.num("turn", a.turn)
    .str("id", a.id)
    .str("call_id", a.call_id)
    .str("tool", a.tool)
    .str("arguments", a.arguments)
    .str("reason", a.reason);
  if (!a.task_id.empty())
    w.str("task_id", a.task_id);
}

/// Writes an event's own members.
struct event_writer {
  object_writer& w;

  void operator()(const chat::turn_started& e) const {
    w.num("turn", e.turn);
    if (!e.user_message_ids.empty())
      w.raw("user_message_ids", nlohmann::json(e.user_message_ids).dump());
    if (e.resumed)
      w.boolean("resumed", true);
  }
  void operator()(const chat::answer_delta& e) const { w.num("turn", e.turn).str("text", e.text); }
  void operator()(const chat::reasoning_delta& e) const {
    w.num("turn", e.turn).str("text", e.text);
  }
  void operator()(const chat::message_stored& e) const {
    w.raw("message", dump(to_json(e.message)));
  }
  void operator()(const chat::message_acked& e) const {
    w.str("client_id", e.client_id).num("message_id", e.message_id);
  }
  void operator()(const chat::tool_started& e) const { put_tool_call(w, e); }
  void operator()(const chat::tool_finished& e) const {
    w.num("turn", e.turn)
      .str("call_id", e.call_id)
      .str("name", e.name)
      .str("outcome", to_string(e.outcome))
      .str("output", e.output)
      .num_or_null("exit_code", e.exit_code)
      .num("duration_ms", e.duration_ms);
  }
  void operator()(const trace::call_started& e) const { put_trace_start(w, *e.start); }
  void operator()(const trace::call_finished& e) const { put_trace_finish(w, *e.start, e.end); }
  void operator()(const chat::error_raised& e) const {
    w.str("code", to_string(e.code)).str("message", e.message);
  }
  void operator()(const chat::turn_ended& e) const {
    w.num("turn", e.turn).str("outcome", to_string(e.outcome)).raw("usage", dump(to_json(e.usage)));
    if (!e.error.empty())
      w.str("error", e.error);
  }
  void operator()(const chat::approval_requested& e) const { put_approval(w, e); }
  void operator()(const chat::approval_resolved& e) const {
    w.str("id", e.id)
      .str("decision", to_string(e.decision))
      .str("note", e.note)
      .str("user", e.user);
    if (!e.task_id.empty())
      w.str("task_id", e.task_id);
  }
  void operator()(const chat::task_changed& e) const { w.raw("task", e.task); }
};

struct type_of {
  server_frame operator()(const chat::turn_started&) const { return server_frame::turn_start; }
  server_frame operator()(const chat::answer_delta&) const { return server_frame::assistant_delta; }
  server_frame operator()(const chat::reasoning_delta&) const {
    return server_frame::reasoning_delta;
  }
  server_frame operator()(const chat::message_stored&) const { return server_frame::message; }
  server_frame operator()(const chat::message_acked&) const { return server_frame::ack; }
  server_frame operator()(const chat::tool_started&) const { return server_frame::tool_call; }
  server_frame operator()(const chat::tool_finished&) const { return server_frame::tool_result; }
  server_frame operator()(const trace::call_started& e) const {
    return e.start->kind == trace_kind::tool ? server_frame::tool_trace_start
                                             : server_frame::model_trace_start;
  }
  server_frame operator()(const trace::call_finished& e) const {
    return e.start->kind == trace_kind::tool ? server_frame::tool_trace_finish
                                             : server_frame::model_trace_finish;
  }
  server_frame operator()(const chat::error_raised&) const { return server_frame::error; }
  server_frame operator()(const chat::turn_ended&) const { return server_frame::turn_end; }
  server_frame operator()(const chat::approval_requested&) const {
    return server_frame::approval_request;
  }
  server_frame operator()(const chat::approval_resolved&) const {
    return server_frame::approval_resolved;
  }
  server_frame operator()(const chat::task_changed&) const { return server_frame::task_update; }
};

object_writer chat_frame_head(server_frame type, std::string_view chat_id, int64_t seq) {
  object_writer w{256};
  w.str("type", to_string(type)).str("chat_id", chat_id).num("seq", seq);
  return w;
}

void put_snapshot_head(object_writer& w, const snapshot_head& head, bool resumed) {
  w.num("epoch", head.epoch).str("status", to_string(head.status)).boolean("resumed", resumed);
}

std::string snapshot_turn(const chat::live_view& view) {
  object_writer w{256};
  w.num("number", *view.turn()).str("text", view.text()).str("reasoning", view.reasoning());
  std::string tools = "[";
  for (auto& [id, call] : view.running_tools()) {
    if (tools.size() > 1)
      tools += ',';
    object_writer t;
    put_tool_call(t, call);
    tools += t.done();
  }
  tools += ']';
  std::string approvals = "[";
  for (auto& [id, a] : view.pending_approvals()) {
    if (approvals.size() > 1)
      approvals += ',';
    object_writer t;
    put_approval(t, a);
    approvals += t.done();
  }
  approvals += ']';
  w.raw("running_tools", tools).raw("approvals", approvals).boolean("resumed", view.resumed());
  return w.done();
}

/// A string member: absent or null is "" (or `missing` when required).
std::optional<std::string> string_member(const nlohmann::json& obj, const char* name, bool required,
                                         std::string& out) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) {
    if (required)
      return std::string(name) + " is required";
    return std::nullopt;
  }
  if (!it->is_string())
    return std::string(name) + " must be a string";
  out = it->get<std::string>();
  return std::nullopt;
}

/// An optional non-negative integer member.
std::optional<std::string> count_member(const nlohmann::json& obj, const char* name, int64_t& out) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null())
    return std::nullopt;
  if (!it->is_number_integer() || it->get<int64_t>() < 0)
    return std::string(name) + " must be a non-negative integer";
  out = it->get<int64_t>();
  return std::nullopt;
}

} // namespace

server_frame frame_type(const chat::agent_event& e) {
  return std::visit(type_of{}, e);
}

std::string chat_frame(std::string_view chat_id, int64_t seq, const chat::agent_event& e) {
  auto w = chat_frame_head(frame_type(e), chat_id, seq);
  std::visit(event_writer{w}, e);
  return w.done();
}

std::string snapshot_frame(const snapshot_head& head, const chat::live_view& view) {
  auto w = chat_frame_head(server_frame::snapshot, head.chat_id, head.seq);
  put_snapshot_head(w, head, false);
  std::string messages = "[";
  for (auto& m : view.messages()) {
    if (messages.size() > 1)
      messages += ',';
    if (m.json.empty())
      m.json = dump(to_json(m.record));
    messages += m.json;
  }
  messages += ']';
  w.raw("messages", messages);
  if (view.turn())
    w.raw("turn", snapshot_turn(view));
  else
    w.null("turn");
  w.raw("usage", dump(to_json(view.usage())));
  return w.done();
}

std::string resumed_snapshot_frame(const snapshot_head& head) {
  auto w = chat_frame_head(server_frame::snapshot, head.chat_id, head.seq);
  put_snapshot_head(w, head, true);
  return w.done();
}

std::string hello_frame(std::string_view node_id, std::string_view version) {
  return object_writer{}
    .str("type", to_string(server_frame::hello))
    .str("node_id", node_id)
    .str("version", version)
    .done();
}

std::string pong_frame() {
  return object_writer{}.str("type", to_string(server_frame::pong)).done();
}

std::string error_frame(std::string_view code, std::string_view message, std::string_view chat_id) {
  object_writer w;
  w.str("type", to_string(server_frame::error)).str("code", code).str("message", message);
  if (!chat_id.empty())
    w.str("chat_id", chat_id);
  return w.done();
}

std::string session_failed_frame(std::string_view chat_id, session_failure reason, size_t crashes,
                                 std::string_view error) {
  return object_writer{}
    .str("type", to_string(server_frame::session_failed))
    .str("chat_id", chat_id)
    .str("reason", to_string(reason))
    .num("crashes", crashes)
    .str("error", error)
    .done();
}

client_request read_client_frame(std::string_view text, size_t max_bytes) {
  if (text.size() > max_bytes)
    return frame_refusal{"too_large", "the frame is too large", {}};
  auto frame = nlohmann::json::parse(text, nullptr, false);
  if (frame.is_discarded() || !frame.is_object())
    return frame_refusal{"bad_frame", "a frame must be a JSON object", {}};
  auto type_member = frame.find("type");
  if (type_member == frame.end() || !type_member->is_string())
    return frame_refusal{"bad_frame", "a frame needs a string \"type\"", {}};
  auto name = type_member->get<std::string>();
  auto type = from_name<client_frame>(name);
  if (!type)
    return frame_refusal{"unknown_type", "unknown frame type '" + name + "'", {}};
  if (*type == client_frame::ping)
    return ping_request{};
  std::string chat_id;
  if (auto err = string_member(frame, "chat_id", true, chat_id))
    return frame_refusal{"bad_frame", *err, {}};
  auto refuse = [&](const std::string& why) { return frame_refusal{"bad_frame", why, chat_id}; };
  switch (*type) {
    case client_frame::subscribe: {
      subscribe_request r{chat_id};
      if (auto err = count_member(frame, "after_seq", r.after_seq))
        return refuse(*err);
      if (auto err = count_member(frame, "epoch", r.epoch))
        return refuse(*err);
      return r;
    }
    case client_frame::unsubscribe:
      return unsubscribe_request{chat_id};
    case client_frame::cancel:
      return cancel_request{chat_id};
    case client_frame::user_message: {
      user_message_request r{chat_id, {}, {}, {}};
      if (auto err = string_member(frame, "text", true, r.text))
        return refuse(*err);
      if (auto err = string_member(frame, "client_id", false, r.client_id))
        return refuse(*err);
      if (auto err = read_attachment_ids(frame, r.attachments))
        return refuse(*err);
      return r;
    }
    case client_frame::approval_answer: {
      approval_answer_request r{chat_id, {}, {}, {}};
      std::string decision;
      if (auto err = string_member(frame, "id", true, r.id))
        return refuse(*err);
      if (auto err = string_member(frame, "decision", true, decision))
        return refuse(*err);
      auto d = from_name<approval_decision>(decision);
      if (!d)
        return refuse("decision must be allow, deny or allow_always");
      r.decision = *d;
      if (auto err = string_member(frame, "note", false, r.note))
        return refuse(*err);
      if (r.note.size() > 4000)
        return refuse("note must be at most 4000 characters");
      return r;
    }
    case client_frame::ping:
      break;
  }
  return ping_request{};
}

} // namespace boocode::protocol
