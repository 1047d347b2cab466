#include "runtime/protocol/records.hpp"

namespace boocode::protocol {

nlohmann::json to_json(const model::token_usage& u) {
  return {{"prompt", u.prompt},         {"cache_hit", u.cache_hit},
          {"cache_miss", u.cache_miss}, {"cache_write", u.cache_write},
          {"completion", u.completion}, {"reasoning", u.reasoning}};
}

model::token_usage usage_from_json(const nlohmann::json& j) {
  auto field = [&](const char* name) -> uint64_t {
    auto it = j.find(name);
    return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
  };
  model::token_usage u;
  if (!j.is_object())
    return u;
  u.prompt = field("prompt");
  u.cache_hit = field("cache_hit");
  u.cache_miss = field("cache_miss");
  u.cache_write = field("cache_write");
  u.completion = field("completion");
  u.reasoning = field("reasoning");
  auto reported = j.find("reported");
  u.reported = reported == j.end() || !reported->is_boolean() || reported->get<bool>();
  return u;
}

nlohmann::json to_json(const chat::chat_record& c) {
  return {{"id", c.id},
          {"workspace", c.workspace},
          {"title", c.title},
          {"build_command", or_null(c.build_command)},
          {"created_at", c.created_at},
          {"archived", c.archived},
          {"turns", c.turns},
          {"owner", c.owner},
          {"permission_mode", to_string(c.permissions.mode)},
          {"allow_rules", chat::to_json(c.permissions.rules)},
          {"network", c.permissions.network},
          {"env", c.permissions.variables},
          {"pending_approvals", c.pending_approvals}};
}

nlohmann::json to_json(const chat::approval_requested& a) {
  nlohmann::json j{{"id", a.id},     {"turn", a.turn},           {"call_id", a.call_id},
                   {"tool", a.tool}, {"arguments", a.arguments}, {"reason", a.reason}};
  if (!a.task_id.empty())
    j["task_id"] = a.task_id;
  return j;
}

nlohmann::json to_json(const chat::approval_answer& a) {
  return {{"id", a.id}, {"decision", to_string(a.decision)}, {"note", a.note}, {"user", a.user}};
}

nlohmann::json approval_list(const std::vector<chat::approval_requested>& pending) {
  auto items = nlohmann::json::array();
  for (auto& a : pending)
    items.push_back(to_json(a));
  return {{"items", std::move(items)}};
}

nlohmann::json to_json(const model::image_ref& img) {
  return {{"id", img.id},       {"sha256", img.sha256}, {"media_type", img.media_type},
          {"bytes", img.bytes}, {"width", img.width},   {"height", img.height},
          {"name", img.name}};
}

model::image_ref image_ref_from_json(const nlohmann::json& j) {
  return {j.at("id").get<std::string>(),
          j.at("sha256").get<std::string>(),
          j.at("media_type").get<std::string>(),
          j.at("bytes").get<int64_t>(),
          j.at("width").get<int>(),
          j.at("height").get<int>(),
          j.value("name", std::string{})};
}

nlohmann::json to_json(const std::vector<model::image_ref>& images) {
  auto out = nlohmann::json::array();
  for (const auto& img : images)
    out.push_back(to_json(img));
  return out;
}

std::vector<model::image_ref> image_refs_from_json(const nlohmann::json& j) {
  std::vector<model::image_ref> out;
  for (const auto& item : j)
    out.push_back(image_ref_from_json(item));
  return out;
}

nlohmann::json to_json(const chat::message_record& m) {
  nlohmann::json j{{"id", m.id},
                   {"role", to_string(m.role)},
                   {"content", m.content},
                   {"turn", or_null(m.turn)},
                   {"created_at", m.created_at}};
  switch (m.role) {
    case message_role::assistant: {
      j["reasoning"] = m.reasoning;
      auto calls = nlohmann::json::array();
      for (auto& c : m.tool_calls)
        calls.push_back({{"id", c.id}, {"name", c.name}, {"arguments", c.arguments}});
      j["tool_calls"] = std::move(calls);
      if (m.usage)
        j["usage"] = to_json(*m.usage);
      break;
    }
    case message_role::tool:
      j["tool_call_id"] = m.tool_call_id;
      j["tool_name"] = m.tool_name;
      j["outcome"] = m.outcome ? nlohmann::json(to_string(*m.outcome)) : nlohmann::json(nullptr);
      j["exit_code"] = or_null(m.exit_code);
      j["duration_ms"] = or_null(m.duration_ms);
      break;
    case message_role::user:
      if (!m.client_id.empty())
        j["client_id"] = m.client_id;
      break;
  }
  if (!m.attachments.empty() || m.role == message_role::user)
    j["attachments"] = to_json(m.attachments);
  return j;
}

nlohmann::json to_json(const chat::chat_view& v) {
  auto j = to_json(v.chat);
  j["status"] = to_string(v.status);
  auto msgs = nlohmann::json::array();
  for (auto& m : v.messages)
    msgs.push_back(to_json(m));
  j["messages"] = std::move(msgs);
  return j;
}

nlohmann::json to_json(const chat::timeline_turn& t) {
  nlohmann::json j{{"turn", t.turn},
                   {"started_at", t.started_at},
                   {"finished_at", or_null(t.finished_at)},
                   {"duration_ms", or_null(t.duration_ms)},
                   {"outcome", t.outcome ? to_string(*t.outcome) : std::string_view{"running"}},
                   {"usage", to_json(t.usage)},
                   {"model_calls", t.model_calls},
                   {"tool_calls", t.tool_calls},
                   {"first_message_id", or_null(t.first_message_id)},
                   {"preview", t.preview}};
  if (!t.error.empty())
    j["error"] = t.error;
  return j;
}

nlohmann::json chat_list(const std::vector<chat::chat_record>& chats) {
  auto items = nlohmann::json::array();
  for (auto& c : chats)
    items.push_back(to_json(c));
  return {{"items", std::move(items)}};
}

nlohmann::json timeline(const std::vector<chat::timeline_turn>& turns) {
  auto items = nlohmann::json::array();
  for (auto& t : turns)
    items.push_back(to_json(t));
  return {{"turns", std::move(items)}};
}

nlohmann::json posted(int64_t message_id) {
  return {{"message_id", message_id}};
}

nlohmann::json restarted(bool restarted) {
  return {{"restarted", restarted}};
}

nlohmann::json readiness(bool ready, bool migrations, bool database, bool cluster, bool draining) {
  return {{"ready", ready},
          {"checks",
           {{"migrations", migrations},
            {"database", database},
            {"cluster", cluster},
            {"draining", draining}}}};
}

nlohmann::json health(std::string_view node_id, std::string_view version,
                      const std::optional<trace::queue_stats>& traces,
                      const std::optional<node_load>& load) {
  nlohmann::json j{{"status", "ok"}, {"node_id", node_id}, {"version", version}};
  if (traces)
    j["traces"] = {{"pending", traces->pending},
                   {"written", traces->written},
                   {"dropped", traces->dropped},
                   {"rejected", traces->rejected},
                   {"failed_writes", traces->failed_writes},
                   {"open", traces->open}};
  if (load) {
    j["database"] = {{"pool_size", load->pool_size},
                     {"open", load->pool_open},
                     {"in_use", load->pool_in_use},
                     {"peak_in_use", load->pool_peak},
                     {"waiting", load->pool_waiting}};
    j["sessions"] = {{"loaded", load->sessions_loaded},
                     {"unloaded", load->sessions_unloaded},
                     {"turns_running", load->turns_running}};
    j["memory"] = {{"rss_bytes", load->rss_bytes}, {"heap_bytes", load->heap_bytes}};
  }
  return j;
}

nlohmann::json who(std::string_view user, user_role role, bool open) {
  return {{"user", user}, {"role", to_string(role)}, {"open", open}};
}

nlohmann::json error_body(std::string_view code, std::string_view message) {
  return {{"error", {{"code", code}, {"message", message}}}};
}

} // namespace boocode::protocol
