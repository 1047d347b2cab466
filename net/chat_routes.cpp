#include "net/chat_routes.hpp"

#include <limits>

#include <nlohmann/json.hpp>

#include "net/ws_frames.hpp"

namespace boocode::net {

namespace {

using nlohmann::json;

http_response from_error(const chat::service_error& e) {
  return json_error(e.status, e.code, e.message);
}

template <class T, class F>
http_response answer(chat::result<T> r, int status, F&& render) {
  if (auto* err = std::get_if<chat::service_error>(&r))
    return from_error(*err);
  return json_response(status, render(std::get<T>(r)));
}

/// The body as a JSON object, or the 400 to answer.
std::variant<json, http_response> json_body(const http_request& req) {
  auto body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return json_error(400, "invalid_argument", "the body must be a JSON object");
  return body;
}

std::optional<std::string> string_field(const json& obj, const char* name, bool required,
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

/// An optional non-negative integer field.
std::optional<std::string> count_field(const json& obj, const char* name, int64_t& out) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null())
    return std::nullopt;
  if (!it->is_number_integer() || it->get<int64_t>() < 0)
    return std::string(name) + " must be a non-negative integer";
  out = it->get<int64_t>();
  return std::nullopt;
}

http_response create_chat(chat::chat_service& s, const http_request& req) {
  auto parsed = json_body(req);
  if (auto* res = std::get_if<http_response>(&parsed))
    return *res;
  auto& body = std::get<json>(parsed);
  chat::new_chat nc;
  if (auto err = string_field(body, "workspace", true, nc.workspace))
    return json_error(400, "invalid_argument", *err);
  if (auto err = string_field(body, "title", false, nc.title))
    return json_error(400, "invalid_argument", *err);
  if (auto it = body.find("build_command"); it != body.end() && !it->is_null()) {
    if (!it->is_array())
      return json_error(400, "invalid_argument", "build_command must be an array of strings");
    std::vector<std::string> argv;
    for (auto& a : *it) {
      if (!a.is_string())
        return json_error(400, "invalid_argument", "build_command must be an array of strings");
      argv.push_back(a.get<std::string>());
    }
    nc.build_command = std::move(argv);
  }
  if (auto err = chat::validate_new_chat(nc))
    return from_error(*err);
  return answer(s.create_chat(nc), 201, [](const chat::chat_record& c) { return to_json(c); });
}

http_response post_message(chat::chat_service& s, const http_request& req, const std::string& id) {
  auto parsed = json_body(req);
  if (auto* res = std::get_if<http_response>(&parsed))
    return *res;
  auto& body = std::get<json>(parsed);
  std::string text;
  std::string client_id;
  if (auto err = string_field(body, "text", true, text))
    return json_error(400, "invalid_argument", *err);
  if (auto err = string_field(body, "client_id", false, client_id))
    return json_error(400, "invalid_argument", *err);
  if (client_id.size() > 200)
    return json_error(400, "invalid_argument", "client_id must be at most 200 characters");
  if (auto err = chat::validate_message_text(text))
    return from_error(*err);
  return answer(s.post_message(id, text, client_id), 202, [](const chat::posted_message& p) {
    return json{{"message_id", p.message_id}};
  });
}

http_response fork_chat(chat::chat_service& s, const http_request& req, const std::string& id) {
  auto parsed = json_body(req);
  if (auto* res = std::get_if<http_response>(&parsed))
    return *res;
  auto& body = std::get<json>(parsed);
  auto turn = body.find("turn");
  if (turn == body.end() || !turn->is_number_integer() || turn->get<int64_t>() < 1 ||
      turn->get<int64_t>() > std::numeric_limits<int>::max())
    return json_error(400, "invalid_argument", "turn must be a positive integer");
  return answer(s.fork(id, turn->get<int>()), 201,
                [](const chat::chat_record& c) { return to_json(c); });
}

http_response list_traces(chat::chat_service& s, const http_request& req, const std::string& id) {
  auto params = parse_query(req.query);
  if (!params)
    return json_error(400, "invalid_argument", "the query string is malformed");
  auto q = trace::parse_trace_query(*params);
  if (auto* err = std::get_if<std::string>(&q))
    return json_error(400, "invalid_argument", *err);
  return answer(s.list_traces(id, std::get<trace::trace_query>(q)), 200,
                [](const trace::trace_page& p) { return to_json(p); });
}

void send_error(const std::shared_ptr<chat::frame_sink>& conn, std::string_view code,
                std::string_view message, const std::string& chat_id = {}) {
  auto frame = json::parse(error_frame(code, message));
  if (!chat_id.empty())
    frame["chat_id"] = chat_id;
  conn->send_frame(frame.dump());
}

} // namespace

void add_chat_routes(router& r, chat::chat_service& s) {
  r.add("POST", "/api/chats",
        [&s](const http_request& req, const route_params&) { return create_chat(s, req); });
  r.add("GET", "/api/chats", [&s](const http_request&, const route_params&) {
    return answer(s.list_chats(), 200, [](const std::vector<chat::chat_record>& chats) {
      auto items = json::array();
      for (auto& c : chats)
        items.push_back(to_json(c));
      return json{{"items", std::move(items)}};
    });
  });
  r.add("GET", "/api/chats/:id", [&s](const http_request&, const route_params& p) {
    return answer(s.get_chat(p.at("id")), 200, [](const chat::chat_view& v) { return to_json(v); });
  });
  r.add("DELETE", "/api/chats/:id", [&s](const http_request&, const route_params& p) {
    return answer(s.archive_chat(p.at("id")), 200,
                  [](const chat::chat_record& c) { return to_json(c); });
  });
  r.add("POST", "/api/chats/:id/messages", [&s](const http_request& req, const route_params& p) {
    return post_message(s, req, p.at("id"));
  });
  r.add("GET", "/api/chats/:id/timeline", [&s](const http_request&, const route_params& p) {
    return answer(s.timeline(p.at("id")), 200, [](const std::vector<chat::timeline_turn>& turns) {
      auto items = json::array();
      for (auto& t : turns)
        items.push_back(to_json(t));
      return json{{"turns", std::move(items)}};
    });
  });
  r.add("POST", "/api/chats/:id/fork", [&s](const http_request& req, const route_params& p) {
    return fork_chat(s, req, p.at("id"));
  });
  r.add("POST", "/api/chats/:id/restart", [&s](const http_request&, const route_params& p) {
    return answer(s.restart(p.at("id")), 200, [](bool restarted) {
      return json{{"restarted", restarted}};
    });
  });
  r.add("GET", "/api/chats/:id/traces", [&s](const http_request& req, const route_params& p) {
    return list_traces(s, req, p.at("id"));
  });
}

void handle_chat_frame(chat::chat_service& s, const std::shared_ptr<chat::frame_sink>& conn,
                       std::string_view text) {
  if (text.size() > chat::max_message_bytes + 4096)
    return send_error(conn, "too_large", "the frame is too large");
  auto frame = json::parse(text, nullptr, false);
  if (frame.is_discarded() || !frame.is_object() || !frame.contains("type") ||
      !frame["type"].is_string()) {
    if (auto answer = answer_client_frame(text))
      conn->send_frame(*answer);
    return;
  }
  auto type = frame["type"].get<std::string>();
  if (type == "ping")
    return conn->send_frame(json{{"type", "pong"}}.dump());
  if (type != "subscribe" && type != "unsubscribe" && type != "user_message" && type != "cancel")
    return send_error(conn, "unknown_type", "unknown frame type '" + type + "'");
  std::string chat_id;
  if (auto err = string_field(frame, "chat_id", true, chat_id))
    return send_error(conn, "bad_frame", *err);
  auto report = [&](const auto& r) {
    if (auto* e = std::get_if<chat::service_error>(&r))
      send_error(conn, e->code, e->message, chat_id);
  };
  if (type == "subscribe") {
    chat::resume_point from;
    if (auto err = count_field(frame, "after_seq", from.after_seq))
      return send_error(conn, "bad_frame", *err, chat_id);
    if (auto err = count_field(frame, "epoch", from.epoch))
      return send_error(conn, "bad_frame", *err, chat_id);
    return report(s.subscribe(conn, chat_id, from));
  }
  if (type == "unsubscribe")
    return s.unsubscribe(conn->id(), chat_id);
  if (type == "cancel")
    return report(s.cancel(chat_id));
  std::string body;
  std::string client_id;
  if (auto err = string_field(frame, "text", true, body))
    return send_error(conn, "bad_frame", *err, chat_id);
  if (auto err = string_field(frame, "client_id", false, client_id))
    return send_error(conn, "bad_frame", *err, chat_id);
  if (auto err = chat::validate_message_text(body))
    return send_error(conn, err->code, err->message, chat_id);
  // Subscribe first (unless it is), so the ack reaches this connection.
  auto sub = s.subscribe(conn, chat_id, {}, true);
  if (std::holds_alternative<chat::service_error>(sub))
    return report(sub);
  report(s.post_message(chat_id, body, client_id));
}

} // namespace boocode::net
