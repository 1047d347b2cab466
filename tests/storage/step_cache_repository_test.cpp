// The step cache on a real PostgreSQL: an entry is found by its key and
// marks itself used; a place's last spec is found for a miss's reason; a
// second store under a key replaces the first whole; entries unused past
// the expiry are not found and go when swept; past the size cap the least
// recently used go first (a use marks an entry at most once a minute); clearing one workspace
// leaves the others.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "storage/step_cache_repository.hpp"
#include "tests/support/test_database.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

storage::cache_entry entry(const std::string& key, const std::string& workspace, int64_t bytes,
                           const std::string& prompt = "p") {
  storage::cache_entry e;
  e.key = key;
  e.workspace = workspace;
  e.workflow = "review";
  e.path = "agent-0";
  e.spec = {{"prompt", prompt}};
  e.result = "result of " + key;
  e.usage = {100, 20, 10, 0};
  e.step_id = "s_" + key;
  e.record = {{"reads", json::array()}, {"writes", json::array()}};
  e.bytes = bytes;
  return e;
}

struct fixture {
  test::test_database db;
  storage::step_cache_repository cache{db.conninfo()};

  /// Makes `key` look last used `ago` in the past.
  void age(const std::string& key, std::chrono::seconds ago) {
    pqxx::connection c{db.conninfo()};
    pqxx::work tx{c};
    tx.exec_params("UPDATE step_cache SET used_at = now() - make_interval(secs => $2)"
                   " WHERE key = $1",
                   key, static_cast<double>(ago.count()));
    tx.commit();
  }
};

} // namespace

TEST(StepCacheRepositoryTest, FindsAnEntryAndTheLastSpecOfItsPlace) {
  fixture f;
  EXPECT_FALSE(f.cache.find("k1", 3600s).has_value());
  EXPECT_FALSE(f.cache.last_spec("/w", "review", "agent-0").has_value());
  f.cache.store(entry("k1", "/w", 10, "first prompt"));
  auto e = f.cache.find("k1", 3600s);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->result, "result of k1");
  EXPECT_EQ(e->usage.input, 100);
  EXPECT_EQ(e->usage.cached, 20);
  EXPECT_EQ(e->step_id, "s_k1");
  EXPECT_EQ(e->spec["prompt"], "first prompt");
  EXPECT_EQ(f.cache.last_spec("/w", "review", "agent-0"), json({{"prompt", "first prompt"}}));
  EXPECT_FALSE(f.cache.last_spec("/other", "review", "agent-0").has_value());
}

TEST(StepCacheRepositoryTest, ASecondStoreUnderAKeyReplacesTheFirstWhole) {
  fixture f;
  f.cache.store(entry("k1", "/w", 10, "one"));
  auto second = entry("k1", "/w", 20, "two");
  second.result = "second result";
  f.cache.store(second);
  auto e = f.cache.find("k1", 3600s);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->result, "second result");
  EXPECT_EQ(e->spec["prompt"], "two");
  EXPECT_EQ(f.cache.count("/w").entries, 1);
  EXPECT_EQ(f.cache.count("/w").bytes, 20);
}

TEST(StepCacheRepositoryTest, ExpiredEntriesAreNotFoundAndGoWhenSwept) {
  fixture f;
  f.cache.store(entry("old", "/w", 10));
  f.cache.store(entry("older", "/w", 10));
  f.cache.store(entry("fresh", "/w", 10));
  f.age("old", 7200s);
  f.age("older", 7200s);
  EXPECT_FALSE(f.cache.find("old", 3600s).has_value());
  EXPECT_EQ(f.cache.sweep(3600s, 1 << 20), 2);
  EXPECT_EQ(f.cache.count().entries, 1);
  EXPECT_TRUE(f.cache.find("fresh", 3600s).has_value());
}

TEST(StepCacheRepositoryTest, PastTheSizeCapTheLeastRecentlyUsedGoFirst) {
  fixture f;
  for (const char* key : {"a", "b", "c", "d"})
    f.cache.store(entry(key, "/w", 100));
  f.age("a", 400s);
  f.age("b", 300s);
  f.age("c", 200s);
  f.age("d", 10s);
  ASSERT_TRUE(f.cache.find("a", 3600s).has_value()); // used now: the most recent
  ASSERT_TRUE(f.cache.find("c", 3600s).has_value()); // so is c ...
  ASSERT_TRUE(f.cache.find("c", 3600s).has_value()); // ... and again: no matter
  f.age("c", 200s);                                  // (as if used 200 s ago)
  EXPECT_EQ(f.cache.sweep(3600s, 250), 2);
  EXPECT_EQ(f.cache.count().entries, 2);
  EXPECT_TRUE(f.cache.find("a", 3600s).has_value());
  EXPECT_TRUE(f.cache.find("d", 3600s).has_value());
}

TEST(StepCacheRepositoryTest, ClearingAWorkspaceLeavesTheOthers) {
  fixture f;
  f.cache.store(entry("a", "/w", 10));
  f.cache.store(entry("b", "/w", 10));
  f.cache.store(entry("c", "/v", 10));
  EXPECT_EQ(f.cache.clear("/w"), 2);
  EXPECT_EQ(f.cache.count("/w").entries, 0);
  EXPECT_EQ(f.cache.count("/v").entries, 1);
  EXPECT_EQ(f.cache.count().bytes, 10);
}
