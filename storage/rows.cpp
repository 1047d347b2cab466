#include "storage/rows.hpp"

#include "storage/connection.hpp"

namespace boocode::storage {

namespace {

/// The usage jsonb is protocol::to_json(usage); "reported": false is added only
/// for the rare usage the provider did not report, so it round-trips.
nlohmann::json usage_to_json(const model::token_usage& u) {
  auto j = protocol::to_json(u);
  if (!u.reported)
    j["reported"] = false;
  return j;
}

nlohmann::json tool_calls_to_json(const std::vector<model::tool_call>& calls) {
  auto j = nlohmann::json::array();
  for (auto& c : calls)
    j.push_back({{"id", c.id}, {"name", c.name}, {"arguments", c.arguments}});
  return j;
}

std::vector<model::tool_call> tool_calls_from_json(const nlohmann::json& j) {
  std::vector<model::tool_call> out;
  for (auto& c : j)
    out.push_back({c.at("id").get<std::string>(), c.at("name").get<std::string>(),
                   c.at("arguments").get<std::string>()});
  return out;
}

template <class T>
nlohmann::json json_or_null(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}

} // namespace

std::string iso_time(const std::string& column) {
  return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

const std::string chat_columns =
  "id, workspace, title, build_command::text, " + iso_time("created_at") +
  ", archived_at IS NOT NULL, last_seq, turns, owner, permission_mode, allow_rules::text, network,"
  " env::text,"
  " (SELECT count(*) FROM turn_journal j WHERE j.actor_id = chats.id AND j.kind = 'approval'"
  " AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.actor_id = chats.id"
  " AND i.kind = 'approval_answer' AND (i.content::jsonb) ->> 'id' = j.payload ->> 'id')),"
  " coalesce(parent_chat, ''), (SELECT t.outcome FROM chat_turns t WHERE t.chat_id = chats.id"
  " ORDER BY t.turn DESC LIMIT 1)";

const std::string message_columns =
  "id, chat_id, role, content, reasoning, tool_calls::text, tool_call_id, tool_name, outcome,"
  " exit_code, duration_ms, turn, coalesce(client_id, ''), usage::text, " +
  iso_time("created_at") + ", attachments::text";

std::optional<protocol::tool_outcome> outcome_of(const std::string& text) {
  if (text.empty())
    return std::nullopt; // not a tool message
  return protocol::from_text<protocol::tool_outcome>(text);
}

chat::chat_record to_chat(const pqxx::row& row) {
  chat::chat_record c;
  c.id = row[0].as<std::string>();
  c.workspace = row[1].as<std::string>();
  c.title = row[2].as<std::string>();
  if (!row[3].is_null())
    c.build_command = nlohmann::json::parse(row[3].c_str()).get<std::vector<std::string>>();
  c.created_at = row[4].as<std::string>();
  c.archived = row[5].as<bool>();
  c.last_seq = row[6].as<int64_t>();
  c.turns = row[7].as<int>();
  c.owner = row[8].as<std::string>();
  c.permissions.mode = protocol::from_text<protocol::permission_mode>(row[9].as<std::string>());
  c.permissions.rules = chat::read_rules(nlohmann::json::parse(row[10].c_str()));
  c.permissions.network = row[11].as<bool>();
  c.permissions.variables =
    nlohmann::json::parse(row[12].c_str()).get<std::map<std::string, std::string>>();
  c.pending_approvals = row[13].as<int>();
  c.parent_chat = row[14].as<std::string>();
  if (!row[15].is_null())
    c.last_outcome = protocol::from_text<protocol::turn_outcome>(row[15].as<std::string>());
  return c;
}

chat::message_record to_message(const pqxx::row& row) {
  chat::message_record m;
  m.id = row[0].as<int64_t>();
  m.chat_id = row[1].as<std::string>();
  m.role = protocol::from_text<protocol::message_role>(row[2].as<std::string>());
  m.content = row[3].as<std::string>();
  m.reasoning = row[4].as<std::string>();
  m.tool_calls = tool_calls_from_json(nlohmann::json::parse(row[5].c_str()));
  m.tool_call_id = row[6].as<std::string>();
  m.tool_name = row[7].as<std::string>();
  m.outcome = outcome_of(row[8].as<std::string>());
  m.exit_code = nullable<int>(row[9]);
  m.duration_ms = nullable<int64_t>(row[10]);
  m.turn = nullable<int>(row[11]);
  m.client_id = row[12].as<std::string>();
  if (!row[13].is_null())
    m.usage = protocol::usage_from_json(nlohmann::json::parse(row[13].c_str()));
  m.created_at = row[14].as<std::string>();
  m.attachments = protocol::image_refs_from_json(nlohmann::json::parse(row[15].c_str()));
  return m;
}

std::vector<chat::message_record> to_messages(const pqxx::result& r) {
  std::vector<chat::message_record> out;
  out.reserve(r.size());
  for (const auto& row : r)
    out.push_back(to_message(row));
  return out;
}

nlohmann::json message_to_row(const chat::message_record& m) {
  return {{"id", m.id},
          {"chat_id", m.chat_id},
          {"role", protocol::to_string(m.role)},
          {"content", m.content},
          {"reasoning", m.reasoning},
          {"tool_calls", tool_calls_to_json(m.tool_calls)},
          {"tool_call_id", m.tool_call_id},
          {"tool_name", m.tool_name},
          {"outcome", m.outcome ? protocol::to_string(*m.outcome) : std::string_view{}},
          {"exit_code", json_or_null(m.exit_code)},
          {"duration_ms", json_or_null(m.duration_ms)},
          {"turn", json_or_null(m.turn)},
          {"client_id", m.client_id.empty() ? nlohmann::json() : nlohmann::json(m.client_id)},
          {"usage", m.usage ? usage_to_json(*m.usage) : nlohmann::json()},
          {"attachments", protocol::to_json(m.attachments)},
          {"created_at", m.created_at}};
}

chat::message_record message_from_row(const nlohmann::json& row) {
  chat::message_record m;
  m.id = row.at("id").get<int64_t>();
  m.chat_id = row.at("chat_id").get<std::string>();
  m.role = protocol::from_text<protocol::message_role>(row.at("role").get<std::string>());
  m.content = row.at("content").get<std::string>();
  m.reasoning = row.at("reasoning").get<std::string>();
  m.tool_calls = tool_calls_from_json(row.at("tool_calls"));
  m.tool_call_id = row.at("tool_call_id").get<std::string>();
  m.tool_name = row.at("tool_name").get<std::string>();
  m.outcome = outcome_of(row.at("outcome").get<std::string>());
  if (!row.at("exit_code").is_null())
    m.exit_code = row.at("exit_code").get<int>();
  if (!row.at("duration_ms").is_null())
    m.duration_ms = row.at("duration_ms").get<int64_t>();
  if (!row.at("turn").is_null())
    m.turn = row.at("turn").get<int>();
  if (!row.at("client_id").is_null())
    m.client_id = row.at("client_id").get<std::string>();
  if (!row.at("usage").is_null())
    m.usage = protocol::usage_from_json(row.at("usage"));
  m.created_at = row.at("created_at").get<std::string>();
  if (auto it = row.find("attachments"); it != row.end())
    m.attachments = protocol::image_refs_from_json(*it);
  return m;
}

std::string id_array(const std::vector<int64_t>& ids) {
  std::string out = "{";
  for (size_t i = 0; i < ids.size(); ++i)
    out += (i == 0 ? "" : ",") + std::to_string(ids[i]);
  return out + "}";
}

std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    out += i == 0 ? "\"" : ",\"";
    for (char ch : items[i]) {
      if (ch == '"' || ch == '\\')
        out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

} // namespace boocode::storage
