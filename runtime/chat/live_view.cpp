#include "runtime/chat/live_view.hpp"

#include <algorithm>

namespace boocode::chat {

namespace {

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace

void live_view::reset(const nlohmann::json& messages, std::optional<int> turn,
                      model::token_usage usage) {
  messages_.clear();
  for (auto& m : messages)
    messages_.push_back({m.value("id", int64_t{0}), dump(m)});
  turn_ = turn;
  resumed_ = turn.has_value(); // a turn in progress at load continues after a restart
  text_.clear();
  reasoning_.clear();
  running_.clear();
  usage_ = usage;
}

void live_view::apply(std::string_view type, std::string_view payload) {
  auto p = nlohmann::json::parse(payload, nullptr, false);
  if (!p.is_object())
    return;
  if (type == "assistant_delta") {
    text_ += p.value("text", std::string());
  } else if (type == "reasoning_delta") {
    reasoning_ += p.value("text", std::string());
  } else if (type == "message") {
    auto& m = p["message"];
    if (!m.is_object())
      return;
    int64_t id = m.value("id", int64_t{0});
    auto same =
      std::find_if(messages_.begin(), messages_.end(), [id](const entry& e) { return e.id == id; });
    if (same != messages_.end())
      same->json = dump(m);
    else
      messages_.push_back({id, dump(m)});
    if (m.value("role", std::string()) == "assistant") {
      text_.clear();
      reasoning_.clear();
    }
  } else if (type == "tool_call") {
    running_[p.value("call_id", std::string())] = std::string(payload);
  } else if (type == "tool_result") {
    running_.erase(p.value("call_id", std::string()));
  } else if (type == "turn_start") {
    turn_ = p.value("turn", 0);
    resumed_ = p.value("resumed", false);
    text_.clear();
    reasoning_.clear();
    running_.clear();
    taken_.clear();
    if (auto ids = p.find("user_message_ids"); ids != p.end() && ids->is_array())
      for (auto& id : *ids)
        if (id.is_number_integer())
          taken_.push_back(id.get<int64_t>());
    for (auto& e : messages_)
      if (std::find(taken_.begin(), taken_.end(), e.id) != taken_.end()) {
        auto m = nlohmann::json::parse(e.json);
        m["turn"] = *turn_;
        e.json = dump(m);
      }
  } else if (type == "turn_end") {
    turn_.reset();
    taken_.clear();
    text_.clear();
    reasoning_.clear();
    running_.clear();
    if (auto u = p.find("usage"); u != p.end() && u->is_object())
      usage_ += model::usage_from_json(*u);
  }
}

bool live_view::has_message(int64_t id) const {
  return std::any_of(messages_.begin(), messages_.end(),
                     [id](const entry& e) { return e.id == id; });
}

std::optional<int> live_view::taken_by(int64_t id) const {
  if (turn_ && std::find(taken_.begin(), taken_.end(), id) != taken_.end())
    return turn_;
  return std::nullopt;
}

std::string live_view::members() const {
  std::string out = "\"messages\":[";
  for (size_t i = 0; i < messages_.size(); ++i) {
    if (i > 0)
      out += ',';
    out += messages_[i].json;
  }
  out += "],\"turn\":";
  if (turn_) {
    nlohmann::json t{
      {"number", *turn_}, {"text", text_}, {"reasoning", reasoning_}, {"resumed", resumed_}};
    auto tools = nlohmann::json::array();
    for (auto& [id, call] : running_)
      tools.push_back(nlohmann::json::parse(call));
    t["running_tools"] = std::move(tools);
    out += dump(t);
  } else {
    out += "null";
  }
  out += ",\"usage\":" + dump(model::to_json(usage_));
  return out;
}

} // namespace boocode::chat
