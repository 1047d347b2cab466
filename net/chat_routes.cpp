#include "net/chat_routes.hpp"

#include <type_traits>

#include "net/route_answers.hpp"
#include "runtime/protocol/frames.hpp"
#include "runtime/protocol/records.hpp"
#include "runtime/protocol/requests.hpp"
#include "runtime/protocol/tasks.hpp"
#include "runtime/protocol/traces.hpp"

namespace boocode::net {

namespace {

using nlohmann::json;

/// Renders a record with its protocol::to_json.
constexpr auto record = [](const auto& x) { return protocol::to_json(x); };

/// A route on one chat: 404 unless its caller may reach the chat. `route`
/// gets the request and the chat id, or with more parameters (an approval,
/// a task) all of them.
template <class F>
router::handler on_chat(chat::chat_service& s, F route) {
  return [&s, route](const http_request& req, const route_params& p) -> http_response {
    const auto& id = p.at("id");
    if (auto refused = s.reach(caller_of(req), id);
        auto* err = std::get_if<chat::service_error>(&refused))
      return from_error(*err);
    if constexpr (std::is_invocable_v<F, const http_request&, const route_params&>)
      return route(req, p);
    else
      return route(req, id);
  };
}

http_response create_chat(chat::chat_service& s, const http_request& req,
                          const std::vector<std::filesystem::path>& roots) {
  auto body = protocol::read_new_chat(req.body);
  if (auto* err = std::get_if<protocol::body_error>(&body))
    return bad_body(*err);
  auto& nc = std::get<chat::new_chat>(body);
  nc.owner = caller_of(req).user;
  if (auto err = chat::validate_new_chat(nc, roots))
    return from_error(*err);
  return answer(s.create_chat(nc), 201, record);
}

http_response post_message(chat::chat_service& s, const http_request& req, const std::string& id,
                           size_t max_images) {
  auto body = protocol::read_message_post(req.body);
  if (auto* err = std::get_if<protocol::body_error>(&body))
    return bad_body(*err);
  auto& p = std::get<protocol::message_post>(body);
  if (auto err = chat::validate_message(p.text, p.attachments.size(), max_images))
    return from_error(*err);
  return answer(s.post_message(id, p.text, p.client_id, p.attachments), 202,
                [](const chat::posted_message& m) { return protocol::posted(m.message_id); });
}

http_response fork_chat(chat::chat_service& s, const http_request& req, const std::string& id) {
  auto body = protocol::read_fork(req.body);
  if (auto* err = std::get_if<protocol::body_error>(&body))
    return bad_body(*err);
  return answer(s.fork(id, std::get<int>(body), caller_of(req).user), 201, record);
}

http_response list_traces(chat::chat_service& s, const http_request& req, const std::string& id) {
  auto params = parse_query(req.query);
  if (!params)
    return json_error(400, "invalid_argument", "the query string is malformed");
  auto q = trace::parse_trace_query(*params);
  if (auto* err = std::get_if<std::string>(&q))
    return json_error(400, "invalid_argument", *err);
  return answer(s.list_traces(id, std::get<trace::trace_query>(q)), 200, record);
}

http_response update_chat(chat::chat_service& s, const http_request& req, const std::string& id) {
  auto body = protocol::read_chat_patch(req.body);
  if (auto* err = std::get_if<protocol::body_error>(&body))
    return bad_body(*err);
  return answer(s.update_chat(id, std::get<chat::chat_patch>(body)), 200, record);
}

http_response answer_approval(chat::chat_service& s, const http_request& req, const std::string& id,
                              const std::string& approval) {
  auto body = protocol::read_approval_answer(req.body);
  if (auto* err = std::get_if<protocol::body_error>(&body))
    return bad_body(*err);
  auto& a = std::get<chat::approval_answer>(body);
  a.id = approval;
  a.user = caller_of(req).user;
  return answer(s.answer_approval(id, a), 200, record);
}

/// Answers a client frame that could not be handled, on its connection.
void refuse(const std::shared_ptr<chat::frame_sink>& conn, std::string_view code,
            std::string_view message, std::string_view chat_id) {
  conn->send_frame(protocol::error_frame(code, message, chat_id));
}

/// Carries out one client frame's request.
struct frame_handler {
  chat::chat_service& s;
  const std::shared_ptr<chat::frame_sink>& conn;
  const chat::caller& who;
  size_t max_images;

  /// Whether the connection's user may reach the chat; refuses the frame if not.
  bool may_reach(const std::string& chat_id) const {
    auto r = s.reach(who, chat_id);
    report(r, chat_id);
    return std::holds_alternative<bool>(r);
  }

  template <class T>
  void report(const chat::result<T>& r, const std::string& chat_id) const {
    if (auto* e = std::get_if<chat::service_error>(&r))
      refuse(conn, e->code, e->message, chat_id);
  }

  void operator()(const protocol::ping_request&) const { conn->send_frame(protocol::pong_frame()); }
  void operator()(const protocol::frame_refusal& r) const {
    refuse(conn, r.code, r.message, r.chat_id);
  }
  void operator()(const protocol::subscribe_request& r) const {
    if (may_reach(r.chat_id))
      report(s.subscribe(conn, r.chat_id, {r.after_seq, r.epoch}), r.chat_id);
  }
  void operator()(const protocol::unsubscribe_request& r) const {
    s.unsubscribe(conn->id(), r.chat_id);
  }
  void operator()(const protocol::cancel_request& r) const {
    if (may_reach(r.chat_id))
      report(s.cancel(r.chat_id), r.chat_id);
  }
  void operator()(const protocol::approval_answer_request& r) const {
    if (!may_reach(r.chat_id))
      return;
    report(s.answer_approval(r.chat_id, {r.id, r.decision, r.note, who.user}), r.chat_id);
  }
  void operator()(const protocol::user_message_request& r) const {
    if (auto err = chat::validate_message(r.text, r.attachments.size(), max_images))
      return refuse(conn, err->code, err->message, r.chat_id);
    if (!may_reach(r.chat_id))
      return;
    // Subscribe first (unless it is), so the ack reaches this connection.
    auto sub = s.subscribe(conn, r.chat_id, {}, true);
    if (std::holds_alternative<chat::service_error>(sub))
      return report(sub, r.chat_id);
    report(s.post_message(r.chat_id, r.text, r.client_id, r.attachments), r.chat_id);
  }
};

} // namespace

void add_chat_routes(router& r, chat::chat_service& s,
                     std::vector<std::filesystem::path> workspace_roots, size_t max_images) {
  r.add("POST", "/api/chats",
        [&s, roots = std::move(workspace_roots)](const http_request& req, const route_params&) {
          return create_chat(s, req, roots);
        });
  r.add("GET", "/api/chats", [&s](const http_request& req, const route_params&) {
    auto who = caller_of(req);
    return answer(s.list_chats(who.admin ? std::nullopt : std::optional(who.user)), 200,
                  protocol::chat_list);
  });
  r.add("GET", "/api/chats/:id", on_chat(s, [&s](const http_request&, const std::string& id) {
          return answer(s.get_chat(id), 200, record);
        }));
  r.add("PATCH", "/api/chats/:id", on_chat(s, [&s](const http_request& req, const std::string& id) {
          return update_chat(s, req, id);
        }));
  r.add("GET", "/api/chats/:id/approvals",
        on_chat(s, [&s](const http_request&, const std::string& id) {
          return answer(s.approvals(id), 200, protocol::approval_list);
        }));
  r.add("POST", "/api/chats/:id/approvals/:approval",
        on_chat(s, [&s](const http_request& req, const route_params& p) {
          return answer_approval(s, req, p.at("id"), p.at("approval"));
        }));
  r.add("DELETE", "/api/chats/:id", on_chat(s, [&s](const http_request&, const std::string& id) {
          return answer(s.archive_chat(id), 200, record);
        }));
  r.add("POST", "/api/chats/:id/messages",
        on_chat(s, [&s, max_images](const http_request& req, const std::string& id) {
          return post_message(s, req, id, max_images);
        }));
  r.add("GET", "/api/chats/:id/timeline",
        on_chat(s, [&s](const http_request&, const std::string& id) {
          return answer(s.timeline(id), 200, protocol::timeline);
        }));
  r.add("POST", "/api/chats/:id/fork",
        on_chat(s, [&s](const http_request& req, const std::string& id) {
          return fork_chat(s, req, id);
        }));
  r.add("POST", "/api/chats/:id/restart",
        on_chat(s, [&s](const http_request&, const std::string& id) {
          return answer(s.restart(id), 200, protocol::restarted);
        }));
  r.add("GET", "/api/chats/:id/tasks", on_chat(s, [&s](const http_request&, const std::string& id) {
          return answer(s.tasks(id), 200, protocol::task_list);
        }));
  r.add("POST", "/api/chats/:id/tasks/stop",
        on_chat(s, [&s](const http_request&, const std::string& id) {
          return answer(s.stop_tasks(id, ""), 200, protocol::stopped);
        }));
  r.add("POST", "/api/chats/:id/tasks/:task/stop",
        on_chat(s, [&s](const http_request&, const route_params& p) {
          return answer(s.stop_tasks(p.at("id"), p.at("task")), 200, protocol::stopped);
        }));
  r.add("GET", "/api/chats/:id/usage", on_chat(s, [&s](const http_request&, const std::string& id) {
          return answer(s.usage(id), 200, record);
        }));
  r.add("GET", "/api/chats/:id/traces",
        on_chat(s, [&s](const http_request& req, const std::string& id) {
          return list_traces(s, req, id);
        }));
}

void handle_chat_frame(chat::chat_service& s, const std::shared_ptr<chat::frame_sink>& conn,
                       std::string_view text, const chat::caller& who, size_t max_images) {
  std::visit(frame_handler{s, conn, who, max_images},
             protocol::read_client_frame(text, chat::max_message_bytes + 4096));
}

} // namespace boocode::net
