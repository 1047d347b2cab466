#include "runtime/chat/permissions.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <fmt/format.h>
#include <fnmatch.h>
#include <nlohmann/json.hpp>

namespace boocode::chat {

namespace {

using protocol::permission_mode;

bool is_write(const std::string& tool) {
  return tool == "write_file" || tool == "edit_file";
}

/// The written path as rules match it: relative, "./" and "a/../" folded.
std::string rule_path(const nlohmann::json& args) {
  auto it = args.find("path");
  if (it == args.end() || !it->is_string())
    return {};
  auto p = std::filesystem::path(it->get<std::string>()).lexically_normal().string();
  while (p.rfind("./", 0) == 0)
    p.erase(0, 2);
  return p;
}

std::optional<std::vector<std::string>> argv_of(const nlohmann::json& args) {
  auto it = args.find("argv");
  if (it == args.end() || !it->is_array() || it->empty())
    return std::nullopt;
  std::vector<std::string> argv;
  for (auto& a : *it) {
    if (!a.is_string())
      return std::nullopt;
    argv.push_back(a.get<std::string>());
  }
  return argv;
}

bool allowed_by(const allow_rule& r, const std::string& tool, const nlohmann::json& args) {
  if (tool == "run_command" && !r.argv_prefix.empty()) {
    auto argv = argv_of(args);
    return argv && argv->size() >= r.argv_prefix.size() &&
           std::equal(r.argv_prefix.begin(), r.argv_prefix.end(), argv->begin());
  }
  if (is_write(tool) && !r.path_glob.empty()) {
    auto path = rule_path(args);
    return !path.empty() && path.rfind("../", 0) != 0 && path != ".." &&
           ::fnmatch(r.path_glob.c_str(), path.c_str(), 0) == 0;
  }
  return false;
}

} // namespace

std::optional<std::string> approval_reason(const chat_permissions& p, const std::string& tool,
                                           const nlohmann::json& args) {
  bool command = tool == "run_command";
  if (!command && !is_write(tool))
    return std::nullopt;
  if (p.mode == permission_mode::allow || (p.mode == permission_mode::auto_edit && !command))
    return std::nullopt;
  if (std::any_of(p.rules.begin(), p.rules.end(),
                  [&](const allow_rule& r) { return allowed_by(r, tool, args); }))
    return std::nullopt;
  auto mode = protocol::to_string(p.mode);
  if (command)
    return fmt::format("the chat's permission mode is {}: commands wait for a decision", mode);
  return fmt::format("the chat's permission mode is {}: file changes wait for a decision", mode);
}

std::optional<allow_rule> rule_for(const std::string& tool, const nlohmann::json& args) {
  if (tool == "run_command") {
    auto argv = argv_of(args);
    if (!argv)
      return std::nullopt;
    auto plain = [](const std::string& a) {
      return !a.empty() && a[0] != '-' && a.find('/') == std::string::npos;
    };
    // `sh -c ...`, `make -j4`: only this very command.
    allow_rule r{*argv, {}};
    if (argv->size() > 1 && plain((*argv)[1]))
      r.argv_prefix.resize(2);
    return r;
  }
  if (is_write(tool)) {
    auto path = rule_path(args);
    if (path.empty() || path.rfind("../", 0) == 0 || path[0] == '/')
      return std::nullopt;
    auto folder = std::filesystem::path(path).parent_path().string();
    return allow_rule{{}, folder.empty() ? "*" : folder + "/*"};
  }
  return std::nullopt;
}

bool add_rule(std::vector<allow_rule>& rules, const allow_rule& r) {
  if (std::find(rules.begin(), rules.end(), r) != rules.end())
    return false;
  rules.push_back(r);
  return true;
}

std::optional<allow_rule> read_rule(const nlohmann::json& j, std::string& error) {
  allow_rule r;
  if (!j.is_object() || j.size() != 1) {
    error = "a rule is an object with one member: argv_prefix or path_glob";
    return std::nullopt;
  }
  if (auto it = j.find("argv_prefix"); it != j.end()) {
    if (!it->is_array() || it->empty() ||
        !std::all_of(it->begin(), it->end(), [](auto& a) { return a.is_string(); })) {
      error = "argv_prefix must be a non-empty array of strings";
      return std::nullopt;
    }
    r.argv_prefix = it->get<std::vector<std::string>>();
    return r;
  }
  if (auto it = j.find("path_glob"); it != j.end()) {
    if (!it->is_string() || it->get<std::string>().empty()) {
      error = "path_glob must be a non-empty string";
      return std::nullopt;
    }
    r.path_glob = it->get<std::string>();
    return r;
  }
  error = "a rule is an object with one member: argv_prefix or path_glob";
  return std::nullopt;
}

nlohmann::json to_json(const allow_rule& r) {
  if (!r.argv_prefix.empty())
    return {{"argv_prefix", r.argv_prefix}};
  return {{"path_glob", r.path_glob}};
}

nlohmann::json to_json(const std::vector<allow_rule>& rules) {
  auto out = nlohmann::json::array();
  for (auto& r : rules)
    out.push_back(to_json(r));
  return out;
}

std::vector<allow_rule> read_rules(const nlohmann::json& j) {
  std::vector<allow_rule> out;
  if (!j.is_array())
    return out;
  std::string ignored;
  for (auto& e : j)
    if (auto r = read_rule(e, ignored))
      out.push_back(std::move(*r));
  return out;
}

std::string to_text(const approval_answer& a) {
  return nlohmann::json{
    {"id", a.id}, {"decision", protocol::to_string(a.decision)}, {"note", a.note}, {"user", a.user}}
    .dump();
}

std::optional<approval_answer> read_answer(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("id") || !j["id"].is_string() || !j.contains("decision") ||
      !j["decision"].is_string())
    return std::nullopt;
  auto decision =
    protocol::from_name<protocol::approval_decision>(j["decision"].get<std::string>());
  if (!decision)
    return std::nullopt;
  approval_answer a;
  a.id = j["id"].get<std::string>();
  a.decision = *decision;
  a.note = j.value("note", "");
  a.user = j.value("user", "");
  return a;
}

std::optional<std::string> variable_error(const std::string& name, const std::string& value) {
  bool ok =
    !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_') &&
    std::all_of(name.begin(), name.end(),
                [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
  if (!ok)
    return fmt::format(
      "variable name '{}' must be letters, digits and _, not starting with a digit", name);
  for (auto fixed : {"PATH", "HOME", "XDG_CACHE_HOME", "TMPDIR", "LANG", "TERM"})
    if (name == fixed)
      return fmt::format("{} is part of every command's fixed environment", name);
  if (value.size() > 4096 || value.find('\0') != std::string::npos)
    return fmt::format("the value of {} must be at most 4096 bytes, without NUL", name);
  return std::nullopt;
}

std::vector<std::string> environment_entries(const std::map<std::string, std::string>& vars) {
  std::vector<std::string> out;
  out.reserve(vars.size());
  for (auto& [name, value] : vars)
    out.push_back(std::string(name).append("=").append(value));
  return out;
}

std::string approval_id(int turn, const std::string& step) {
  return fmt::format("ap_{}_{}", turn, step);
}

} // namespace boocode::chat
