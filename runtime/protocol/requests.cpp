#include "runtime/protocol/requests.hpp"

#include <limits>

#include <nlohmann/json.hpp>

namespace boocode::protocol {

namespace {

using nlohmann::json;

/// What `read` makes of the body, a JSON object; or why the body is none.
template <class T, class F>
std::variant<T, body_error> read_object(std::string_view text, F&& read) {
  auto body = json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return body_error{"the body must be a JSON object"};
  return read(body);
}

std::optional<body_error> string_field(const json& obj, const char* name, bool required,
                                       std::string& out) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) {
    if (required)
      return body_error{std::string(name) + " is required"};
    return std::nullopt;
  }
  if (!it->is_string())
    return body_error{std::string(name) + " must be a string"};
  out = it->get<std::string>();
  return std::nullopt;
}

} // namespace

std::variant<chat::new_chat, body_error> read_new_chat(std::string_view text) {
  return read_object<chat::new_chat>(
    text, [](const json& body) -> std::variant<chat::new_chat, body_error> {
      chat::new_chat nc;
      if (auto err = string_field(body, "workspace", true, nc.workspace))
        return *err;
      if (auto err = string_field(body, "title", false, nc.title))
        return *err;
      if (auto it = body.find("build_command"); it != body.end() && !it->is_null()) {
        body_error bad{"build_command must be an array of strings"};
        if (!it->is_array())
          return bad;
        std::vector<std::string> argv;
        for (auto& a : *it) {
          if (!a.is_string())
            return bad;
          argv.push_back(a.get<std::string>());
        }
        nc.build_command = std::move(argv);
      }
      return nc;
    });
}

std::variant<message_post, body_error> read_message_post(std::string_view text) {
  return read_object<message_post>(
    text, [](const json& body) -> std::variant<message_post, body_error> {
      message_post p;
      if (auto err = string_field(body, "text", true, p.text))
        return *err;
      if (auto err = string_field(body, "client_id", false, p.client_id))
        return *err;
      if (p.client_id.size() > max_client_id_chars)
        return body_error{"client_id must be at most 200 characters"};
      return p;
    });
}

std::variant<int, body_error> read_fork(std::string_view text) {
  return read_object<int>(text, [](const json& body) -> std::variant<int, body_error> {
    auto turn = body.find("turn");
    if (turn == body.end() || !turn->is_number_integer() || turn->get<int64_t>() < 1 ||
        turn->get<int64_t>() > std::numeric_limits<int>::max())
      return body_error{"turn must be a positive integer"};
    return turn->get<int>();
  });
}

std::variant<std::string, body_error> read_login(std::string_view text) {
  return read_object<std::string>(text,
                                  [](const json& body) -> std::variant<std::string, body_error> {
                                    std::string token;
                                    if (auto err = string_field(body, "token", true, token))
                                      return *err;
                                    if (token.empty() || token.size() > 1024)
                                      return body_error{"token must be 1 to 1024 characters"};
                                    return token;
                                  });
}

} // namespace boocode::protocol
