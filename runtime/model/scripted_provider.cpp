#include "runtime/model/scripted_provider.hpp"

#include <fstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

namespace boocode::model {

namespace {

std::optional<std::string> parse_step(const nlohmann::json& j, script_step& out,
                                      const std::string& where) {
  if (!j.is_object())
    return where + " must be an object";
  for (auto& [key, value] : j.items()) {
    if (key == "text" || key == "reasoning") {
      if (!value.is_string())
        return fmt::format("{}.{} must be a string", where, key);
      (key == "text" ? out.text : out.reasoning) = value.get<std::string>();
    } else if (key == "usage") {
      out.usage = value;
    } else if (key == "tool_calls") {
      if (!value.is_array())
        return where + ".tool_calls must be an array";
      for (size_t i = 0; i < value.size(); ++i) {
        auto& c = value[i];
        auto at = fmt::format("{}.tool_calls[{}]", where, i);
        if (!c.is_object() || !c.contains("name") || !c["name"].is_string())
          return at + " needs a string \"name\"";
        auto args = c.value("arguments", nlohmann::json::object());
        out.tool_calls.push_back({"", c["name"].get<std::string>(),
                                  args.is_string() ? args.get<std::string>() : args.dump()});
      }
    } else {
      return fmt::format("{} has an unknown field \"{}\"", where, key);
    }
  }
  return std::nullopt;
}

} // namespace

/// Parses `turns` (at `where`) into `out`; tool calls get ids "call_<prefix>T_N_I".
std::optional<std::string> parse_turns(const nlohmann::json& turns, const std::string& where,
                                       const std::string& prefix,
                                       std::vector<std::vector<script_step>>& out) {
  for (size_t t = 0; t < turns.size(); ++t) {
    auto at = fmt::format("{}[{}]", where, t);
    if (!turns[t].is_object() || !turns[t].contains("steps") || !turns[t]["steps"].is_array() ||
        turns[t]["steps"].empty())
      return at + " needs a non-empty \"steps\" array";
    std::vector<script_step> steps;
    for (size_t n = 0; n < turns[t]["steps"].size(); ++n) {
      script_step step;
      if (auto err = parse_step(turns[t]["steps"][n], step, fmt::format("{}.steps[{}]", at, n)))
        return *err;
      for (size_t i = 0; i < step.tool_calls.size(); ++i)
        step.tool_calls[i].id = fmt::format("call_{}{}_{}_{}", prefix, t, n, i);
      steps.push_back(std::move(step));
    }
    out.push_back(std::move(steps));
  }
  return std::nullopt;
}

std::variant<model_script, std::string> parse_model_script(const nlohmann::json& j) {
  model_script s;
  if (!j.is_object() || !j.contains("turns") || !j["turns"].is_array() || j["turns"].empty())
    return std::string("a model script needs a non-empty \"turns\" array");
  if (j.contains("piece_chars")) {
    if (!j["piece_chars"].is_number_unsigned() || j["piece_chars"].get<size_t>() == 0)
      return std::string("piece_chars must be a positive number");
    s.piece_chars = j["piece_chars"].get<size_t>();
  }
  if (j.contains("piece_delay_ms")) {
    if (!j["piece_delay_ms"].is_number_unsigned())
      return std::string("piece_delay_ms must be a number");
    s.piece_delay = std::chrono::milliseconds(j["piece_delay_ms"].get<int64_t>());
  }
  if (auto err = parse_turns(j["turns"], "turns", "", s.turns))
    return *err;
  if (j.contains("agents")) {
    if (!j["agents"].is_array())
      return std::string("agents must be an array");
    for (size_t a = 0; a < j["agents"].size(); ++a) {
      auto& aj = j["agents"][a];
      auto where = fmt::format("agents[{}]", a);
      if (!aj.is_object() || !aj.contains("prompt_starts_with") ||
          !aj["prompt_starts_with"].is_string() || !aj.contains("turns") ||
          !aj["turns"].is_array() || aj["turns"].empty())
        return where + " needs a string \"prompt_starts_with\" and a non-empty \"turns\" array";
      model_script::agent agent{aj["prompt_starts_with"].get<std::string>(), {}};
      if (auto err =
            parse_turns(aj["turns"], where + ".turns", fmt::format("a{}_", a), agent.turns))
        return *err;
      s.agents.push_back(std::move(agent));
    }
  }
  return s;
}

model_script load_model_script(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in)
    throw std::runtime_error(fmt::format("cannot read model script {}", file.string()));
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded())
    throw std::runtime_error(fmt::format("model script {} is not valid JSON", file.string()));
  auto parsed = parse_model_script(j);
  if (auto* err = std::get_if<std::string>(&parsed))
    throw std::runtime_error(fmt::format("model script {}: {}", file.string(), *err));
  return std::get<model_script>(std::move(parsed));
}

scripted_provider::scripted_provider(model_script script, std::string name)
  : script_(std::move(script)), name_(std::move(name)) {}

std::string scripted_provider::describe() const {
  return "scripted model (" + name_ + ")";
}

const std::vector<std::vector<script_step>>&
scripted_provider::turns_for(const std::vector<chat_message>& messages) const {
  for (auto& m : messages)
    if (m.role == "user") {
      for (auto& a : script_.agents)
        if (m.content.starts_with(a.prompt_starts_with))
          return a.turns;
      break;
    }
  return script_.turns;
}

std::pair<size_t, size_t> scripted_provider::position(const std::vector<chat_message>& messages,
                                                      size_t turns) {
  size_t users = 0;
  size_t replies_since_user = 0;
  for (auto& m : messages) {
    if (m.role == "user") {
      ++users;
      replies_since_user = 0;
    } else if (m.role == "assistant") {
      ++replies_since_user;
    }
  }
  size_t turn = users == 0 ? 0 : (users - 1) % turns;
  return {turn, replies_since_user};
}

model_result scripted_provider::complete(const model_request& req, const stream_callbacks& cb,
                                         const cancel_token* cancel) {
  const auto& messages = req.messages.messages();
  if (!req.messages.image_slots().empty()) {
    request_body body{"scripted", req};
    std::lock_guard guard{received_mtx_};
    received_.push_back(std::move(body.images));
  }
  const auto& turns = turns_for(messages);
  auto [turn, step_index] = position(messages, turns.size());
  auto& steps = turns[turn];
  script_step step;
  if (step_index < steps.size())
    step = steps[step_index];
  else
    step.text = fmt::format("(the script has no step {} in turn {})", step_index + 1, turn + 1);
  auto stream = [&](const std::string& text, const std::function<void(std::string_view)>& out) {
    for (size_t i = 0; i < text.size(); i += script_.piece_chars) {
      if (cancel != nullptr && cancel->cancelled())
        return false;
      if (i > 0 && script_.piece_delay.count() > 0)
        std::this_thread::sleep_for(script_.piece_delay);
      if (out)
        out(std::string_view{text}.substr(i, script_.piece_chars));
      if (cb.on_pause)
        cb.on_pause();
    }
    return true;
  };
  if (!stream(step.reasoning, cb.on_reasoning) || !stream(step.text, cb.on_text) ||
      (cancel != nullptr && cancel->cancelled()))
    return model_error{model_error::kind::cancelled, 0, "cancelled", 1};
  if (cb.on_tool_call)
    for (auto& c : step.tool_calls)
      cb.on_tool_call(c.name);
  model_reply r;
  r.message.role = "assistant";
  r.message.content = step.text;
  r.message.reasoning = step.reasoning;
  r.message.tool_calls = step.tool_calls;
  r.finish_reason = step.tool_calls.empty() ? "stop" : "tool_calls";
  if (!step.usage.is_null()) {
    r.usage = normalise_usage(step.usage);
  } else {
    // As if the provider cached every message but the newest.
    size_t prefix = 0;
    size_t last = 0;
    for (auto& m : messages) {
      prefix += last;
      last = m.content.size();
      for (auto& c : m.tool_calls)
        last += c.arguments.size() + c.name.size();
    }
    r.usage.reported = true;
    r.usage.cache_hit = estimate_tokens(prefix);
    r.usage.prompt = r.usage.cache_hit + estimate_tokens(last);
    r.usage.cache_miss = r.usage.prompt - r.usage.cache_hit;
    size_t out_chars = step.text.size() + step.reasoning.size();
    for (auto& c : step.tool_calls)
      out_chars += c.arguments.size();
    r.usage.completion = estimate_tokens(out_chars);
    r.usage.reasoning = estimate_tokens(step.reasoning.size());
  }
  return r;
}

std::vector<std::vector<sent_image>> scripted_provider::images_received() const {
  std::lock_guard guard{received_mtx_};
  return received_;
}

} // namespace boocode::model
