#include "storage/trace_repository.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

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
  finish_reason, attempts)
SELECT id, chat_id, turn, kind, tool, call_id, actor_kind, actor_id, parent_id, input, output,
  started_at, finished_at, latency_ms, outcome, error, exit_code, tokens_used, cache_tokens,
  reasoning_tokens, model, ttft_ms, usage, finish_reason, attempts
FROM jsonb_to_recordset($1::jsonb) AS x(id text, chat_id text, turn int,
  kind text, tool text, call_id text, actor_kind text, actor_id text, parent_id text,
  input jsonb, output text, started_at timestamptz, finished_at timestamptz,
  latency_ms float8, outcome text, error text, exit_code int, tokens_used bigint,
  cache_tokens bigint, reasoning_tokens bigint, model text, ttft_ms float8, usage jsonb,
  finish_reason text, attempts int)
ON CONFLICT (id) DO NOTHING
)sql";

const char* const columns =
  "seq, id, chat_id, turn_number, kind, tool_name, call_id, actor_kind, actor_id,"
  " coalesce(parent_id, ''), input::text, output,"
  " (extract(epoch FROM started_at) * 1000000)::bigint,"
  " (extract(epoch FROM finished_at) * 1000000)::bigint, latency_ms, outcome,"
  " coalesce(error, ''), exit_code, tokens_used, cache_tokens, reasoning_tokens,"
  " coalesce(model, ''), ttft_ms, usage::text, coalesce(finish_reason, ''),"
  " coalesce(attempts, 0)";

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
    batch.push_back(protocol::to_json(r));
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

} // namespace boocode::storage
