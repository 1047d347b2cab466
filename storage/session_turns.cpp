// A turn's writes: its start, its journal and its checkpoint. Each is one
// statement sent as one round trip and committed on its own (no BEGIN and
// COMMIT around it): every part of it happens, or none, and none without the
// lease.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <pqxx/pqxx>

#include "storage/rows.hpp"
#include "storage/session_repository_impl.hpp"
#include "storage/storage_error.hpp"
#include "storage/task_sql.hpp"

namespace boocode::storage {

const std::string inbox_columns = "id, content, coalesce(client_id, ''), " +
                                  iso_time("created_at") + ", taken_turn, kind, attachments::text";

chat::inbox_entry to_inbox(const pqxx::row& row) {
  chat::inbox_entry e;
  e.id = row[0].as<int64_t>();
  e.content = row[1].as<std::string>();
  e.client_id = row[2].as<std::string>();
  e.created_at = row[3].as<std::string>();
  e.taken_turn = nullable<int>(row[4]);
  auto kind = row[5].as<std::string>();
  auto parsed = chat::parse_inbox_kind(kind);
  if (!parsed)
    throw storage_error("inbox entry " + std::to_string(e.id) + " has an unknown kind '" + kind +
                        "'");
  e.kind = *parsed;
  e.attachments = protocol::image_refs_from_json(nlohmann::json::parse(row[6].c_str()));
  return e;
}

const char* const lease_cte =
  "WITH lease AS (SELECT 1 FROM actor_leases WHERE actor_id = $1 AND epoch = $2 FOR SHARE) ";

namespace {

// $3 the turn, $4 how many message ids to reserve for it, $5 the inbox ids
// it takes (NULL: every waiting one). Starts only when chats.turns is the
// turn before it, the chat is not archived and messages wait (with $5: each
// of those, still waiting); reports chats.turns and archived as they were,
// the ids, and the messages it took (none: nothing was written).
const std::string begin_turn_sql =
  std::string(lease_cte) +
  ", chat AS (SELECT turns, archived_at IS NOT NULL AS archived FROM chats WHERE id = $1)"
  ", go AS (SELECT 1 FROM lease, chat WHERE chat.turns = $3::int - 1 AND NOT chat.archived"
  " AND EXISTS (SELECT 1 FROM inbox WHERE actor_id = $1 AND consumed_at IS NULL"
  " AND taken_turn IS NULL) AND ($5::bigint[] IS NULL OR (SELECT count(*) FROM inbox"
  " WHERE actor_id = $1 AND id = ANY($5::bigint[]) AND consumed_at IS NULL"
  " AND taken_turn IS NULL) = cardinality($5::bigint[])))"
  ", taken AS (UPDATE inbox SET taken_turn = $3::int FROM go WHERE actor_id = $1"
  " AND consumed_at IS NULL AND taken_turn IS NULL"
  " AND ($5::bigint[] IS NULL OR inbox.id = ANY($5::bigint[])) RETURNING inbox.id, inbox.content,"
  " coalesce(inbox.client_id, '') AS client_id, " +
  iso_time("inbox.created_at") +
  " AS created_at, inbox.taken_turn, inbox.kind, inbox.attachments::text AS attachments)"
  ", started AS (INSERT INTO turn_journal (actor_id, turn, step, kind, payload, epoch)"
  " SELECT $1, $3::int, '', 'start', '{}', $2 FROM go RETURNING 1)"
  ", counted AS (UPDATE chats SET turns = $3::int FROM go WHERE id = $1 RETURNING 1)"
  ", ids AS (SELECT nextval('messages_id_seq') AS id FROM go, generate_series(1, $4::int))"
  " SELECT (SELECT count(*) FROM lease), (SELECT turns FROM chat), (SELECT archived FROM chat),"
  " t.id, t.content, t.client_id, t.created_at, t.taken_turn, t.kind, t.attachments,"
  " (SELECT string_agg(id::text, ',' ORDER BY id) FROM ids)"
  " FROM (SELECT 1) AS one LEFT JOIN taken t ON true ORDER BY t.id";

/// SQL: message row `row` (jsonb) with an id and created_at: its own, or the
/// next id and now (nextval runs only when it has none).
std::string with_identity(const std::string& row) {
  return row + " || jsonb_build_object('id', coalesce(nullif((" + row +
         "->>'id')::bigint, 0), nextval('messages_id_seq')), 'created_at', coalesce(nullif(" + row +
         "->>'created_at', ''), " + iso_time("now()") + "))";
}

// $3 turn, $4 step, $5 the message's row; $6 the step of the intent that
// goes with it ('' none), $7 its data.
const std::string journal_message_sql =
  std::string(lease_cte) + ", p AS (SELECT " + with_identity("$5::jsonb") +
  " AS payload FROM lease)"
  ", m AS (INSERT INTO turn_journal (actor_id, turn, step, kind, payload, epoch)"
  " SELECT $1, $3, $4, 'message', payload, $2 FROM p RETURNING payload)"
  ", i AS (INSERT INTO turn_journal (actor_id, turn, step, kind, payload, epoch)"
  " SELECT $1, $3, $6, 'intent', $7::jsonb, $2 FROM lease WHERE $6 <> '' RETURNING 1)"
  " SELECT (payload->>'id')::bigint, payload->>'created_at' FROM m";

const std::string journal_step_sql =
  std::string(lease_cte) + "INSERT INTO turn_journal (actor_id, turn, step, kind, payload, epoch)"
                           " SELECT $1, $3, $4, $5, $6::jsonb, $2 FROM lease RETURNING pos";

// Every part sees the rows as they were when the statement started (hence
// the mailbox leaves out this turn's messages itself). $11: the turn's
// answer, stored after its journaled messages (NULL: none).
const std::string checkpoint_sql =
  std::string(lease_cte) +
  ", users AS (INSERT INTO messages (id, chat_id, role, content, client_id, turn, created_at,"
  " attachments) SELECT id, actor_id, 'user', content, client_id, taken_turn, created_at,"
  " attachments FROM inbox, lease"
  " WHERE actor_id = $1 AND taken_turn = $3 AND consumed_at IS NULL"
  " AND kind IN ('user_message', 'notification')"
  " RETURNING 1)"
  ", steps AS (INSERT INTO messages SELECT m.* FROM turn_journal j CROSS JOIN lease"
  " CROSS JOIN LATERAL jsonb_populate_record(NULL::messages, j.payload) m"
  " WHERE j.actor_id = $1 AND j.turn = $3 AND j.kind = 'message' ORDER BY j.pos RETURNING 1)"
  ", answer AS (INSERT INTO messages SELECT m.* FROM lease CROSS JOIN LATERAL"
  " jsonb_populate_record(NULL::messages, " +
  with_identity("$11::jsonb") + ") m WHERE $11::jsonb IS NOT NULL RETURNING id, " +
  iso_time("created_at") +
  " AS at)"
  ", summary AS (INSERT INTO chat_turns (chat_id, turn, started_at, finished_at, outcome,"
  " error, usage, model_calls, tool_calls) SELECT $1, $3, coalesce((SELECT created_at"
  " FROM turn_journal WHERE actor_id = $1 AND turn = $3 AND kind = 'start'), now()), now(),"
  " $4, $5, $6::jsonb, $7, (SELECT count(*) FROM turn_journal WHERE actor_id = $1"
  " AND turn = $3 AND kind = 'message' AND payload->>'role' = 'tool') FROM lease RETURNING 1)"
  ", consumed AS (UPDATE inbox SET consumed_at = now() FROM lease"
  " WHERE actor_id = $1 AND taken_turn = $3 AND consumed_at IS NULL RETURNING 1)"
  ", snapshot AS (INSERT INTO agent_snapshots (actor_id, turn, state, mailbox, node_id, epoch)"
  " SELECT $1, $3, $8::jsonb, (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id,"
  " 'client_id', client_id) ORDER BY id), '[]') FROM inbox WHERE actor_id = $1"
  " AND consumed_at IS NULL AND taken_turn IS DISTINCT FROM $3), $9, $2 FROM lease"
  " ON CONFLICT (actor_id) DO UPDATE SET turn = EXCLUDED.turn, state = EXCLUDED.state,"
  " mailbox = EXCLUDED.mailbox, node_id = EXCLUDED.node_id, epoch = EXCLUDED.epoch,"
  " updated_at = now() RETURNING jsonb_array_length(mailbox) AS waiting)"
  ", seq AS (UPDATE chats SET last_seq = GREATEST(last_seq, $10) FROM lease WHERE id = $1"
  " RETURNING 1)"
  ", dropped AS (DELETE FROM turn_journal USING lease WHERE actor_id = $1 AND turn = $3"
  " RETURNING 1)" +
  end_task_ctes({"$1", "$12", "$13", "$14", "$15", "lease"}) +
  " SELECT (SELECT count(*) FROM lease), (SELECT coalesce(max(waiting), 0) FROM snapshot),"
  " (SELECT id FROM answer), (SELECT at FROM answer), (SELECT id FROM note),"
  " (SELECT created_at FROM note)";

// $1 chat, $2 text, $3 client_id ('' none), $4 the ids of its attachments
// (text[]). Columns: the chat exists, it is archived, then (when stored or
// found) how ("new", "inbox", "answered") and the inbox columns, then
// whether every attachment is the chat's (else nothing is stored).
const std::string post_message_sql =
  "WITH chat AS (SELECT archived_at IS NOT NULL AS archived FROM chats WHERE id = $1)"
  ", refs AS (SELECT a.id, a.name, b.sha256, b.media_type, b.bytes, b.width, b.height"
  " FROM attachments a JOIN attachment_blobs b USING (sha256) WHERE a.chat_id = $1"
  " AND a.id = ANY($4::text[]))"
  ", refs_ok AS (SELECT (SELECT count(*) FROM refs) = cardinality($4::text[]) AS ok)"
  ", answered AS (SELECT id, content, coalesce(client_id, '') AS client_id, " +
  iso_time("created_at") +
  " AS created_at, turn AS taken_turn, 'user_message' AS kind, attachments::text AS attachments"
  " FROM messages WHERE $3 <> '' AND chat_id = $1 AND client_id = $3 AND role = 'user')"
  ", earlier AS (SELECT id, content, coalesce(client_id, '') AS client_id, " +
  iso_time("created_at") +
  " AS created_at, taken_turn, kind, attachments::text AS attachments FROM inbox"
  " WHERE $3 <> '' AND actor_id = $1 AND client_id = $3)"
  ", stored AS (INSERT INTO inbox (actor_id, content, client_id, attachments)"
  " SELECT $1, $2, nullif($3, ''), (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id,"
  " 'sha256', sha256, 'media_type', media_type, 'bytes', bytes, 'width', width, 'height',"
  " height, 'name', name) ORDER BY array_position($4::text[], id)), '[]') FROM refs)"
  " FROM chat, refs_ok WHERE NOT chat.archived AND refs_ok.ok"
  " AND NOT EXISTS (SELECT 1 FROM answered) AND NOT EXISTS (SELECT 1 FROM earlier)"
  " ON CONFLICT (actor_id, client_id) WHERE client_id IS NOT NULL DO NOTHING"
  " RETURNING id, content, coalesce(client_id, '') AS client_id, " +
  iso_time("created_at") +
  " AS created_at, taken_turn, kind, attachments::text AS attachments)"
  ", marked AS (UPDATE attachments SET referenced_at = coalesce(referenced_at, now())"
  " WHERE chat_id = $1 AND id = ANY($4::text[]) AND EXISTS (SELECT 1 FROM stored))"
  ", found AS (SELECT 'new' AS how, * FROM stored UNION ALL SELECT 'answered', * FROM answered"
  " UNION ALL SELECT 'inbox', * FROM earlier LIMIT 1)"
  " SELECT (SELECT count(*) FROM chat), coalesce((SELECT archived FROM chat), false), f.how,"
  " f.id, f.content, f.client_id, f.created_at, f.taken_turn, f.kind, f.attachments,"
  " (SELECT ok FROM refs_ok) FROM (SELECT 1) AS one LEFT JOIN found f ON true";

const std::string reserve_ids_sql =
  "SELECT string_agg(id::text, ',' ORDER BY id) FROM"
  " (SELECT nextval('messages_id_seq') AS id FROM generate_series(1, $1::int)) ids";

/// "3,4,9" as numbers.
std::vector<int64_t> id_list(const pqxx::field& f) {
  std::vector<int64_t> out;
  if (f.is_null())
    return out;
  std::string_view text = f.c_str();
  while (!text.empty()) {
    auto comma = text.find(',');
    out.push_back(std::stoll(std::string(text.substr(0, comma))));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return out;
}

fenced lost_lease(const char* what, const fence& f) {
  return fenced(fmt::format("{}: {} is no longer owned at epoch {}", what, f.actor_id, f.epoch));
}

} // namespace

void prepare_turn_statements(pqxx::connection& c) {
  c.prepare("begin_turn", begin_turn_sql);
  c.prepare("checkpoint", checkpoint_sql);
  c.prepare("journal_message", journal_message_sql);
  c.prepare("journal_step", journal_step_sql);
  c.prepare("reserve_ids", reserve_ids_sql);
  c.prepare("post_message", post_message_sql);
}

turn_begun session_repository::begin_turn(const fence& f, int turn, int reserve,
                                          const std::vector<int64_t>* only) {
  std::optional<std::string> ids; // as an array literal
  if (only != nullptr)
    ids = fmt::format("{{{}}}", fmt::join(*only, ","));
  return impl_->db.with("begin turn", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    auto r = tx.exec_prepared("begin_turn", f.actor_id, f.epoch, turn, reserve, ids);
    if (r.empty() || r[0][0].as<int>() == 0)
      throw lost_lease("begin turn", f);
    turn_begun out;
    auto turns = nullable<int>(r[0][1]);
    out.turns = turns.value_or(-1);
    bool archived = nullable<bool>(r[0][2]).value_or(true);
    for (const auto& row : r)
      if (!row[3].is_null())
        out.taken.push_back(to_inbox(pqxx::row{row}.slice(3, 10)));
    out.ids = id_list(r[0][10]);
    if (!out.taken.empty())
      out.state = turn_begun::started;
    else if (!turns || *turns != turn - 1 || archived || only != nullptr)
      out.state = turn_begun::stale;
    else
      out.state = turn_begun::nothing_waiting;
    return out;
  });
}

chat::message_record session_repository::journal_message(const fence& f, int turn,
                                                         const std::string& step,
                                                         chat::message_record m,
                                                         const chat::tool_intent* next) {
  return impl_->db.with("journal message", [&](pqxx::connection& c) {
    m.chat_id = f.actor_id;
    m.turn = turn;
    pqxx::nontransaction tx{c};
    auto r = tx.exec_prepared("journal_message", f.actor_id, f.epoch, turn, step,
                              message_to_row(m).dump(), next != nullptr ? next->step : "",
                              next != nullptr ? next->data().dump() : "{}");
    if (r.empty())
      throw lost_lease(fmt::format("journal {}", step).c_str(), f);
    m.id = r[0][0].as<int64_t>();
    m.created_at = r[0][1].as<std::string>();
    return m;
  });
}

std::vector<int64_t> session_repository::reserve_ids(int n) {
  return impl_->db.with("reserve ids", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    return id_list(tx.exec_prepared1("reserve_ids", n)[0]);
  });
}

void session_repository::journal(const fence& f, int turn, const std::string& step,
                                 const std::string& kind, const nlohmann::json& data) {
  impl_->db.with("journal step", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    auto r = tx.exec_prepared("journal_step", f.actor_id, f.epoch, turn, step, kind, data.dump());
    if (r.empty())
      throw lost_lease(fmt::format("journal {}", step).c_str(), f);
  });
}

int session_repository::checkpoint(const fence& f, const checkpoint_request& req,
                                   chat::message_record* answer, chat::inbox_entry* note) {
  return impl_->db.with("checkpoint", [&](pqxx::connection& c) {
    std::optional<std::string> answer_row;
    if (answer != nullptr) {
      answer->chat_id = f.actor_id;
      answer->turn = req.turn;
      answer_row = message_to_row(*answer).dump();
    }
    std::optional<std::string> end_state;
    std::string result;
    std::string error;
    std::string text;
    if (const auto& end = req.ends_task) {
      end_state = std::string(protocol::to_string(end->state));
      result = end->result;
      error = end->error;
      text = end->note;
    }
    pqxx::nontransaction tx{c};
    auto r = tx.exec_prepared1(
      "checkpoint", f.actor_id, f.epoch, req.turn, std::string(protocol::to_string(req.outcome)),
      req.error, protocol::to_json(req.usage).dump(), req.model_calls, req.state.dump(), f.node_id,
      req.last_seq, answer_row, end_state, result, error, text);
    if (r[0].as<int>() == 0)
      throw lost_lease("checkpoint", f);
    if (answer != nullptr) {
      answer->id = r[2].as<int64_t>();
      answer->created_at = r[3].as<std::string>();
    }
    if (note != nullptr && !r[4].is_null()) {
      note->id = r[4].as<int64_t>();
      note->kind = chat::inbox_kind::notification;
      note->content = text;
      note->client_id = "task:" + f.actor_id;
      note->created_at = r[5].as<std::string>();
    }
    return r[1].as<int>();
  });
}

} // namespace boocode::storage
