#include "storage/step_cache_repository.hpp"

#include <pqxx/pqxx>

#include "storage/connection.hpp"

namespace boocode::storage {

struct step_cache_repository::impl {
  explicit impl(connection c) : db(std::move(c)) {}
  connection db;
};

step_cache_repository::step_cache_repository(std::string conninfo)
  : impl_(std::make_unique<impl>(connection{std::move(conninfo)})) {}

step_cache_repository::step_cache_repository(std::shared_ptr<pool> p)
  : impl_(std::make_unique<impl>(connection{std::move(p), "step_cache_repository"})) {}

step_cache_repository::~step_cache_repository() = default;

std::optional<cache_entry> step_cache_repository::find(const std::string& key,
                                                       std::chrono::seconds ttl) {
  return impl_->db.with("read the step cache", [&](pqxx::connection& c) {
    // One statement, and a write only when the entry was not used in the
    // last minute: a hit costs one round trip and (mostly) no flush. An
    // expired entry is not returned (the sweep deletes it).
    pqxx::nontransaction tx{c};
    auto rows = tx.exec_params(
      "WITH live AS (SELECT * FROM step_cache WHERE key = $1 AND used_at >= now() -"
      " make_interval(secs => $2)), touched AS (UPDATE step_cache s SET used_at = now() FROM live"
      " WHERE s.key = live.key AND live.used_at < now() - interval '60 seconds')"
      " SELECT workspace, workflow, path, spec::text, result, input_tokens, cached_tokens,"
      " output_tokens, reasoning_tokens, step_id, record::text, bytes FROM live",
      key, static_cast<double>(ttl.count()));
    std::optional<cache_entry> out;
    if (rows.empty())
      return out;
    const auto& r = rows[0];
    cache_entry e;
    e.key = key;
    e.workspace = r[0].c_str();
    e.workflow = r[1].c_str();
    e.path = r[2].c_str();
    e.spec = nlohmann::json::parse(r[3].c_str());
    e.result = r[4].c_str();
    e.usage = {r[5].as<int64_t>(), r[6].as<int64_t>(), r[7].as<int64_t>(), r[8].as<int64_t>()};
    e.step_id = r[9].c_str();
    e.record = nlohmann::json::parse(r[10].c_str());
    e.bytes = r[11].as<int64_t>();
    out = std::move(e);
    return out;
  });
}

std::optional<nlohmann::json> step_cache_repository::last_spec(const std::string& workspace,
                                                               const std::string& workflow,
                                                               const std::string& path) {
  return impl_->db.with("read the step cache", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    auto rows = tx.exec_params("SELECT spec::text FROM step_cache WHERE workspace = $1 AND"
                               " workflow = $2 AND path = $3 ORDER BY used_at DESC LIMIT 1",
                               workspace, workflow, path);
    std::optional<nlohmann::json> out;
    if (!rows.empty())
      out = nlohmann::json::parse(rows[0][0].c_str());
    return out;
  });
}

void step_cache_repository::store(const cache_entry& e) {
  impl_->db.with("write the step cache", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    tx.exec_params(
      "INSERT INTO step_cache (key, workspace, workflow, path, spec, result, input_tokens,"
      " cached_tokens, output_tokens, reasoning_tokens, step_id, record, bytes) VALUES ($1, $2,"
      " $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12::jsonb, $13) ON CONFLICT (key) DO UPDATE"
      " SET workspace = EXCLUDED.workspace, workflow = EXCLUDED.workflow, path = EXCLUDED.path,"
      " spec = EXCLUDED.spec, result = EXCLUDED.result, input_tokens = EXCLUDED.input_tokens,"
      " cached_tokens = EXCLUDED.cached_tokens, output_tokens = EXCLUDED.output_tokens,"
      " reasoning_tokens = EXCLUDED.reasoning_tokens, step_id = EXCLUDED.step_id,"
      " record = EXCLUDED.record, bytes = EXCLUDED.bytes, created_at = now(), used_at = now()",
      e.key, e.workspace, e.workflow, e.path, e.spec.dump(), e.result, e.usage.input,
      e.usage.cached, e.usage.output, e.usage.reasoning, e.step_id, e.record.dump(), e.bytes);
    tx.commit();
  });
}

int64_t step_cache_repository::clear(const std::string& workspace) {
  return impl_->db.with("clear the step cache", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    auto r = tx.exec_params("DELETE FROM step_cache WHERE workspace = $1", workspace);
    tx.commit();
    return static_cast<int64_t>(r.affected_rows());
  });
}

int64_t step_cache_repository::sweep(std::chrono::seconds ttl, int64_t max_bytes) {
  return impl_->db.with("sweep the step cache", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    auto expired =
      tx.exec_params("DELETE FROM step_cache WHERE used_at < now() - make_interval(secs => $1)",
                     static_cast<double>(ttl.count()));
    auto evicted = tx.exec_params(
      "DELETE FROM step_cache WHERE key IN (SELECT key FROM (SELECT key, sum(bytes) OVER"
      " (ORDER BY used_at DESC, key) AS kept FROM step_cache) s WHERE kept > $1)",
      max_bytes);
    tx.commit();
    return static_cast<int64_t>(expired.affected_rows() + evicted.affected_rows());
  });
}

step_cache_repository::totals step_cache_repository::count(const std::string& workspace) {
  return impl_->db.with("count the step cache", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    auto r = tx.exec_params1("SELECT count(*), coalesce(sum(bytes), 0)::bigint FROM step_cache"
                             " WHERE $1 = '' OR workspace = $1",
                             workspace);
    return totals{r[0].as<int64_t>(), r[1].as<int64_t>()};
  });
}

} // namespace boocode::storage
