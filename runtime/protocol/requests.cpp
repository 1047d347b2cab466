#include "runtime/protocol/requests.hpp"

#include <limits>
#include <map>

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

std::optional<body_error> mode_field(const json& obj, std::optional<permission_mode>& out) {
  auto it = obj.find("permission_mode");
  if (it == obj.end() || it->is_null())
    return std::nullopt;
  auto mode = it->is_string() ? from_name<permission_mode>(it->get<std::string>()) : std::nullopt;
  if (!mode)
    return body_error{"permission_mode must be ask, auto-edit or allow"};
  out = *mode;
  return std::nullopt;
}

std::optional<body_error> bool_field(const json& obj, const char* name, std::optional<bool>& out) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null())
    return std::nullopt;
  if (!it->is_boolean())
    return body_error{std::string(name) + " must be true or false"};
  out = it->get<bool>();
  return std::nullopt;
}

/// An "env" member: {"NAME": "value", ...}, each checked by chat::variable_error.
std::optional<body_error> env_field(const json& obj,
                                    std::optional<std::map<std::string, std::string>>& out) {
  auto it = obj.find("env");
  if (it == obj.end() || it->is_null())
    return std::nullopt;
  if (!it->is_object())
    return body_error{"env must be an object of strings"};
  if (it->size() > chat::max_variables)
    return body_error{"env holds at most 64 variables"};
  std::map<std::string, std::string> vars;
  for (auto& [name, value] : it->items()) {
    if (!value.is_string())
      return body_error{"env: the value of " + name + " must be a string"};
    if (auto err = chat::variable_error(name, value.get<std::string>()))
      return body_error{"env: " + *err};
    vars[name] = value.get<std::string>();
  }
  out = std::move(vars);
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
      if (auto err = mode_field(body, nc.permission_mode))
        return *err;
      std::optional<bool> network;
      if (auto err = bool_field(body, "network", network))
        return *err;
      nc.network = network.value_or(false);
      std::optional<std::map<std::string, std::string>> env;
      if (auto err = env_field(body, env))
        return *err;
      nc.env = env.value_or(std::map<std::string, std::string>{});
      return nc;
    });
}

std::optional<std::string> read_attachment_ids(const json& obj, std::vector<std::string>& ids) {
  auto it = obj.find("attachments");
  if (it == obj.end() || it->is_null())
    return std::nullopt;
  if (!it->is_array())
    return "attachments must be an array of attachment ids";
  if (it->size() > 100)
    return "attachments lists too many ids";
  for (const auto& item : *it) {
    if (!item.is_string())
      return "attachments must be an array of attachment ids";
    auto id = item.get<std::string>();
    bool well_formed =
      id.size() == 18 && id.starts_with("a_") && std::all_of(id.begin() + 2, id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      });
    if (!well_formed)
      return "attachments: '" + id.substr(0, 40) + "' is not an attachment id";
    if (std::find(ids.begin(), ids.end(), id) != ids.end())
      return "attachments: " + id + " is listed twice";
    ids.push_back(std::move(id));
  }
  return std::nullopt;
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
      if (auto err = read_attachment_ids(body, p.attachments))
        return body_error{*err};
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

std::variant<chat::chat_patch, body_error> read_chat_patch(std::string_view text) {
  return read_object<chat::chat_patch>(
    text, [](const json& body) -> std::variant<chat::chat_patch, body_error> {
      chat::chat_patch p;
      for (auto& [key, value] : body.items())
        if (key != "title" && key != "permission_mode" && key != "allow_rules" &&
            key != "network" && key != "env")
          return body_error{
            "unknown field " + key +
            " (a chat's title, permission_mode, allow_rules, network and env change)"};
      if (body.empty())
        return body_error{"name at least one of title, permission_mode, allow_rules, network, env"};
      if (auto err = env_field(body, p.env))
        return *err;
      std::string title;
      if (auto err = string_field(body, "title", false, title))
        return *err;
      if (body.contains("title")) {
        if (title.empty() || title.size() > 200)
          return body_error{"title must be 1 to 200 characters"};
        p.title = title;
      }
      if (auto err = mode_field(body, p.permission_mode))
        return *err;
      if (auto err = bool_field(body, "network", p.network))
        return *err;
      if (auto it = body.find("allow_rules"); it != body.end() && !it->is_null()) {
        if (!it->is_array())
          return body_error{"allow_rules must be an array"};
        std::vector<chat::allow_rule> rules;
        for (auto& r : *it) {
          std::string why;
          auto rule = chat::read_rule(r, why);
          if (!rule)
            return body_error{"allow_rules: " + why};
          chat::add_rule(rules, *rule);
        }
        p.allow_rules = std::move(rules);
      }
      return p;
    });
}

std::variant<chat::approval_answer, body_error> read_approval_answer(std::string_view text) {
  return read_object<chat::approval_answer>(
    text, [](const json& body) -> std::variant<chat::approval_answer, body_error> {
      chat::approval_answer a;
      std::string decision;
      if (auto err = string_field(body, "decision", true, decision))
        return *err;
      auto d = from_name<approval_decision>(decision);
      if (!d)
        return body_error{"decision must be allow, deny or allow_always"};
      a.decision = *d;
      if (auto err = string_field(body, "note", false, a.note))
        return *err;
      if (a.note.size() > 4000)
        return body_error{"note must be at most 4000 characters"};
      return a;
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
