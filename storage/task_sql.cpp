#include "storage/task_sql.hpp"

#include <fmt/format.h>

#include "storage/rows.hpp"

namespace boocode::storage {

std::string end_task_ctes(const task_end_params& p) {
  auto from = p.after.empty() ? std::string() : " FROM " + p.after;
  return fmt::format(
    ", ended AS (UPDATE tasks SET state = {1}::text, result = {2}::text,"
    " error = nullif({3}::text, ''),"
    " ended_at = now(), input_tokens = input_tokens + ({5})[1],"
    " cached_tokens = cached_tokens + ({5})[2], output_tokens = output_tokens + ({5})[3],"
    " reasoning_tokens = reasoning_tokens + ({5})[4]{6} WHERE id = {0}"
    " AND {1}::text IS NOT NULL AND state IN ('queued', 'running') RETURNING parent_actor)"
    ", note AS (INSERT INTO inbox (actor_id, kind, content, client_id)"
    " SELECT parent_actor, 'notification', {4}::text, 'task:' || {0} FROM ended"
    " ON CONFLICT DO NOTHING RETURNING id, {7} AS created_at, actor_id)",
    p.id, p.state, p.result, p.error, p.note, p.tokens, from, iso_time("created_at"));
}

} // namespace boocode::storage
