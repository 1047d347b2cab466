#include "storage/trace_repository.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "runtime/protocol/prompt_cache.hpp"
#include "runtime/protocol/records.hpp"
#include "runtime/protocol/traces.hpp"
#include "storage/connection.hpp"
#include "storage/storage_error.hpp"

namespace boocode::storage {

namespace {

/// The rows arrive as one JSON array of protocol::to_json objects; a function
/// scan returns them in array order, so seq follows the queue's order.
const char* const insert_sql = R"sql(
INSERT INTO tool_traces (id, chat_id, turn_number, kind, tool_name, call_id, actor_kind,
  actor_id, parent_id, input, output, started_at, finished_at, latency_ms, outcome, error,
  exit_code, tokens_used, cache_tokens, reasoning_tokens, model, ttft_ms, usage,
  finish_reason, attempts, prompt_cache, message_hashes)
SELECT id, chat_id, turn, kind, tool, call_id, actor_kind, actor_id, parent_id, input, output,
  started_at, finished_at, latency_ms, outcome, error, exit_code, tokens_used, cache_tokens,
  reasoning_tokens, model, ttft_ms, usage, finish_reason, attempts, prompt_cache, message_hashes
FROM jsonb_to_recordset($1::jsonb) AS x(id text, chat_id text, turn int,
  kind text, tool text, call_id text, actor_kind text, actor_id text, parent_id text,
  input jsonb, output text, started_at timestamptz, finished_at timestamptz,
  latency_ms float8, outcome text, error text, exit_code int, tokens_used bigint,
  cache_tokens bigint, reasoning_tokens bigint, model text, ttft_ms float8, usage jsonb,
  finish_reason text, attempts int, prompt_cache jsonb, message_hashes text)
ON CONFLICT (id) DO NOTHING
)sql";

const char* const columns =
  "seq, id, chat_id, turn_number, kind, tool_name, call_id, actor_kind, actor_id,"
  " coalesce(parent_id, ''), input::text, output,"
  " (extract(epoch FROM started_at) * 1000000)::bigint,"
  " (extract(epoch FROM finished_at) * 1000000)::bigint, latency_ms, outcome,"
  " coalesce(error, ''), exit_code, tokens_used, cache_tokens, reasoning_tokens,"
  " coalesce(model, ''), ttft_ms, usage::text, coalesce(finish_reason, ''),"
  " coalesce(attempts, 0), prompt_cache::text";

trace::trace_record to_record(const pqxx::row& row) {
  auto s = std::make_shared<trace::trace_start>();
  s->id = row[1].as<std::string>();
  s->chat_id = row[2].as<std::string>();
  s->turn = row[3].as<int>();
  s->kind = protocol::from_text<protocol::trace_kind>(row[4].as<std::string>());
  s->tool = row[5].as<std::string>();
  s->call_id = row[6].as<std::string>();
  s->actor = {protocol::from_text<protocol::actor_kind>(row[7].as<std::string>()),
              row[8].as<std::string>(), row[9].as<std::string>()};
  s->input = row[10].as<std::string>();
  s->started_us = row[12].as<int64_t>();
  s->model = row[21].as<std::string>();
  trace::trace_end e;
  e.output = row[11].as<std::string>();
  e.finished_us = row[13].as<int64_t>();
  e.latency_ms = row[14].as<double>();
  e.outcome = protocol::from_text<protocol::tool_outcome>(row[15].as<std::string>());
  e.error = row[16].as<std::string>();
  e.exit_code = nullable<int>(row[17]);
  e.tokens_used = row[18].as<uint64_t>();
  e.cache_tokens = row[19].as<uint64_t>();
  e.reasoning_tokens = row[20].as<uint64_t>();
  e.ttft_ms = nullable<double>(row[22]);
  if (!row[23].is_null())
    e.usage = protocol::usage_from_json(nlohmann::json::parse(row[23].c_str()));
  e.finish_reason = row[24].as<std::string>();
  e.attempts = row[25].as<int>();
  if (!row[26].is_null())
    e.prompt_cache = std::make_shared<trace::prompt_cache_trace>(
      trace::prompt_cache_trace{row[26].as<std::string>(), {}});
  return {std::move(s), std::move(e)};
}

} // namespace

struct trace_repository::impl {
  explicit impl(connection c) : db(std::move(c)) {}
  connection db;
};

trace_repository::trace_repository(std::string conninfo)
  : impl_(std::make_unique<impl>(connection{std::move(conninfo)})) {
  impl_->db.on_open = [](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    tx.exec("SET synchronous_commit = off");
  };
}

trace_repository::trace_repository(std::shared_ptr<pool> p)
  : impl_(std::make_unique<impl>(connection{std::move(p), "trace_repository"})) {}

trace_repository::~trace_repository() = default;

void trace_repository::insert(const std::vector<trace::trace_record>& rows) {
  if (rows.empty())
    return;
  auto batch = nlohmann::json::array();
  for (auto& r : rows)
    batch.push_back(protocol::to_json(r, true));
  auto text = batch.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  impl_->db.with("write traces", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c}; // one statement: all of it or nothing
    tx.exec_params(insert_sql, text);
  });
}

trace::trace_page trace_repository::page(const std::string& chat_id, const trace::trace_query& q) {
  return impl_->db.with("list traces", [&](pqxx::connection& c) {
    pqxx::read_transaction tx{c};
    std::optional<std::string> tool;
    if (!q.tool.empty())
      tool = q.tool;
    std::optional<std::string> outcome;
    if (q.outcome)
      outcome = std::string(protocol::to_string(*q.outcome));
    // One row more than asked tells whether another page follows.
    auto r = tx.exec_params(fmt::format("SELECT {} FROM tool_traces WHERE chat_id = $1"
                                        " AND seq > $2 AND ($3::text IS NULL OR tool_name = $3)"
                                        " AND ($4::text IS NULL OR outcome = $4)"
                                        " ORDER BY seq LIMIT $5",
                                        columns),
                            chat_id, q.cursor.value_or(0), tool, outcome, q.limit + 1);
    trace::trace_page page;
    auto n = std::min<size_t>(r.size(), static_cast<size_t>(q.limit));
    page.items.reserve(n);
    for (size_t i = 0; i < n; ++i)
      page.items.push_back(to_record(r[static_cast<int>(i)]));
    if (r.size() > n)
      page.next_cursor = r[static_cast<int>(n) - 1][0].as<int64_t>();
    return page;
  });
}

std::vector<trace::usage_row> trace_repository::usage(const std::string& chat_id) {
  return impl_->db.with("sum a chat's usage", [&](pqxx::connection& c) {
    pqxx::read_transaction tx{c};
    auto r = tx.exec_params(
      "WITH RECURSIVE tree (id, parent) AS (SELECT id, '' FROM chats WHERE id = $1"
      " UNION ALL SELECT c.id, c.parent_chat FROM chats c JOIN tree t ON c.parent_chat = t.id)"
      " SELECT t.chat_id, t.actor_kind, tree.parent, t.turn_number, count(*),"
      " sum(coalesce((t.usage->>'prompt')::bigint, 0)),"
      " sum(coalesce((t.usage->>'cache_hit')::bigint, 0)),"
      " sum(coalesce((t.usage->>'cache_miss')::bigint, 0)),"
      " sum(coalesce((t.usage->>'cache_write')::bigint, 0)),"
      " sum(coalesce((t.usage->>'completion')::bigint, 0)),"
      " sum(coalesce((t.usage->>'reasoning')::bigint, 0)),"
      " count(*) FILTER (WHERE jsonb_typeof(t.prompt_cache->'break') = 'object'),"
      " sum(coalesce((t.prompt_cache->>'cost_usd')::float8, 0)),"
      " sum(coalesce((t.prompt_cache->>'saved_usd')::float8, 0))"
      " FROM tool_traces t JOIN tree ON tree.id = t.chat_id WHERE t.kind = 'model'"
      " AND t.usage IS NOT NULL GROUP BY 1, 2, 3, 4 ORDER BY 1, 4",
      chat_id);
    std::vector<trace::usage_row> rows;
    rows.reserve(r.size());
    for (const auto& row : r) {
      trace::usage_row u;
      u.chat_id = row[0].as<std::string>();
      u.kind = protocol::from_text<protocol::actor_kind>(row[1].as<std::string>());
      u.parent = row[2].as<std::string>();
      u.turn = row[3].as<int>();
      u.line.calls = row[4].as<int64_t>();
      auto& x = u.line.usage;
      x.prompt = row[5].as<uint64_t>();
      x.cache_hit = row[6].as<uint64_t>();
      x.cache_miss = row[7].as<uint64_t>();
      x.cache_write = row[8].as<uint64_t>();
      x.completion = row[9].as<uint64_t>();
      x.reasoning = row[10].as<uint64_t>();
      x.reported = true;
      u.line.breaks = row[11].as<int64_t>();
      u.line.cost_usd = row[12].as<double>();
      u.line.saved_usd = row[13].as<double>();
      rows.push_back(std::move(u));
    }
    return rows;
  });
}

std::optional<model::prior_call> trace_repository::last_model_call(const std::string& actor_id) {
  return impl_->db.with("read the last model call", [&](pqxx::connection& c) {
    pqxx::read_transaction tx{c};
    auto last = [&](const std::string& actor) {
      return tx.exec_params(
        "SELECT coalesce(model, ''), prompt_cache::text, coalesce(message_hashes, ''),"
        " (extract(epoch FROM finished_at) * 1000000)::bigint, id FROM tool_traces"
        " WHERE actor_id = $1 AND kind = 'model' AND prompt_cache IS NOT NULL"
        " ORDER BY seq DESC LIMIT 1",
        actor);
    };
    auto r = last(actor_id);
    std::string from;
    if (r.empty()) {
      auto fork = tx.exec_params("SELECT forked_from FROM chats WHERE id = $1 AND"
                                 " forked_from IS NOT NULL",
                                 actor_id);
      if (fork.empty())
        return std::optional<model::prior_call>{};
      from = fork[0][0].as<std::string>();
      r = last(from);
      if (r.empty())
        return std::optional<model::prior_call>{};
    }
    auto p = protocol::prior_call_from(
      r[0][0].as<std::string>(), nlohmann::json::parse(r[0][1].c_str(), nullptr, false),
      r[0][2].as<std::string>(), r[0][3].as<int64_t>(), r[0][4].as<std::string>());
    if (p)
      p->chat_id = from;
    return p;
  });
}

} // namespace boocode::storage
