#include <gtest/gtest.h>

#include "runtime/agent/cache_watch.hpp"
#include "runtime/agent/turn_io.hpp"
#include "runtime/model/cache_shape.hpp"

namespace boocode::agent {
namespace {

using namespace std::chrono_literals;

/// Stores nothing; tells the watch what a store would of the agent's last call.
class stored_io final : public turn_io {
public:
  std::optional<model::prior_call> stored;
  int asked = 0;
  chat::message_record journal_message(const std::string&, chat::message_record m,
                                       const chat::tool_intent*) override {
    return m;
  }
  void journal_step(const std::string&, const std::string&, const nlohmann::json&) override {}
  void end_turn(const turn_summary&, chat::message_record*) override {}
  void publish(chat::event_batch) override {}
  std::optional<model::prior_call> last_model_call() override {
    ++asked;
    return stored;
  }
};

model::model_result reply(uint64_t prompt, uint64_t hit) {
  model::model_reply r;
  r.usage.prompt = prompt;
  r.usage.cache_hit = hit;
  r.usage.cache_miss = prompt - hit;
  r.usage.completion = 10;
  return r;
}

const std::string one = R"({"function":{"name":"read_file","parameters":{}},"type":"function"})";
const std::string two = R"({"function":{"name":"run_command","parameters":{}},"type":"function"})";

TEST(CacheWatchTest, FollowsAnAgentsCallsAcrossToolAndSystemPromptChanges) {
  model::cache_memory memory;
  stored_io io;
  auto prices = model::price_table::shipped();
  cache_watch watch{memory, &prices, io};
  model::conversation conv;
  conv.append({"user", "hello", "", {}, "", {}});
  std::string tools = "[" + one + "," + two + "]";
  std::string system = "You are BooCode.";

  watch.before("deepseek-chat", {system, conv, tools}, 300s);
  EXPECT_EQ(io.asked, 1) << "no call in memory: the store is asked once";
  const auto* first = watch.after(reply(5000, 0), "t1");
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->broke);
  EXPECT_GT(first->cost_usd, 0) << "deepseek-chat is in the shipped prices";

  conv.append({"assistant", "hi", "", {}, "", {}});
  conv.append({"user", "again", "", {}, "", {}});
  watch.before("deepseek-chat", {system, conv, tools}, 300s);
  const auto* second = watch.after(reply(5200, 4992), "t2");
  EXPECT_FALSE(second->broke);
  EXPECT_EQ(second->shape.segments[3].kind, model::segment_kind::history);
  EXPECT_EQ(second->shape.segments[3].messages, 1u);
  EXPECT_GT(second->saved_usd, 0);

  // The tools' order changes: split again, and the break says so.
  std::string reordered = "[" + two + "," + one + "]";
  conv.append({"assistant", "ok", "", {}, "", {}});
  watch.before("deepseek-chat", {system, conv, reordered}, 300s);
  const auto* third = watch.after(reply(5300, 0), "t3");
  ASSERT_TRUE(third->broke);
  EXPECT_EQ(third->broke->causes.front(), model::break_cause::tools_changed);
  EXPECT_TRUE(third->broke->tools_reordered);
  EXPECT_EQ(third->broke->previous_call, "t2");
  EXPECT_EQ(third->shape.segments[0].name, "run_command");

  // Warm again, then the system prompt is edited.
  watch.before("deepseek-chat", {system, conv, reordered}, 300s);
  EXPECT_FALSE(watch.after(reply(5300, 5248), "t4")->broke);
  watch.before("deepseek-chat", {system + " Be terse.", conv, reordered}, 300s);
  const auto* fifth = watch.after(reply(5310, 1024), "t5");
  ASSERT_TRUE(fifth->broke);
  EXPECT_EQ(fifth->broke->causes, std::vector{model::break_cause::system_changed});

  // A failed call leaves the previous one to compare with.
  watch.before("deepseek-chat", {system, conv, reordered}, 300s);
  EXPECT_EQ(watch.after(model::model_error{model::model_error::kind::network, 0, "down", 1}, "t6"),
            nullptr);
  EXPECT_EQ(memory.last->trace_id, "t5");
  EXPECT_EQ(io.asked, 1);
}

TEST(CacheWatchTest, AStoredCallIsComparedWithAfterARestart) {
  model::conversation conv;
  conv.append({"user", "hello", "", {}, "", {}});
  std::string tools = "[" + one + "]";
  stored_io io;
  io.stored =
    model::prior_call{model::fingerprint_of("m", {"sys", conv, tools}), 4096, 0, "old", ""};
  model::cache_memory memory;
  cache_watch watch{memory, nullptr, io};
  watch.before("m", {"sys", conv, tools}, 300s);
  const auto* r = watch.after(reply(4200, 0), "new");
  ASSERT_TRUE(r->broke);
  EXPECT_EQ(r->broke->previous_call, "old");
  EXPECT_EQ(r->broke->causes.front(), model::break_cause::expired) << "idle since the epoch";
  EXPECT_EQ(r->cost_usd, 0) << "no price table";
}

} // namespace
} // namespace boocode::agent
