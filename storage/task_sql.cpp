#include "storage/task_sql.hpp"

#include <fmt/format.h>

#include "storage/rows.hpp"

namespace boocode::storage {

std::string end_task_ctes(const task_end_params& p) {
  auto from = p.after.empty() ? std::string() : " FROM " + p.after;
  return fmt::format(
    ", ended AS (UPDATE tasks SET state = {1}::text, result = {2}::text,"
    " error = nullif({3}::text, ''), ended_at = now(){5} WHERE id = {0}"
    " AND {1}::text IS NOT NULL AND state IN ('queued', 'running') RETURNING parent_actor)"
    ", note AS (INSERT INTO inbox (actor_id, kind, content, client_id)"
    " SELECT parent_actor, 'notification', {4}::text, 'task:' || {0} FROM ended"
    " ON CONFLICT DO NOTHING RETURNING id, {6} AS created_at, actor_id)",
    p.id, p.state, p.result, p.error, p.note, from, iso_time("created_at"));
}

} // namespace boocode::storage
