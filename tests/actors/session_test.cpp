// The plain parts of the session and its supervisor: frame numbering, the log
// of recent frames a reconnecting client continues from, and restart backoff.
#include <gtest/gtest.h>

#include "actors/session.hpp"
#include "actors/session_registry.hpp"

using namespace boocode;
using namespace std::chrono_literals;

TEST(FrameSequencerTest, NumbersFramesInOrder) {
  frame_sequencer s{"c_1", 41};
  EXPECT_EQ(s.next(chat::message_acked{"x", 7}),
            R"({"type":"ack","chat_id":"c_1","seq":42,"client_id":"x","message_id":7})");
  EXPECT_EQ(s.next(chat::answer_delta{3, "hi"}),
            R"({"type":"assistant_delta","chat_id":"c_1","seq":43,"turn":3,"text":"hi"})");
  EXPECT_EQ(s.seq, 43);
}

TEST(FrameLogTest, GivesTheFramesAfterASeqWhileItHasThemAll) {
  frame_log log{3};
  for (int64_t seq = 11; seq <= 15; ++seq)
    log.add(seq, "f" + std::to_string(seq));
  // Kept: 13, 14, 15.
  EXPECT_EQ(log.after(12, 15), (std::vector<std::string>{"f13", "f14", "f15"}));
  EXPECT_EQ(log.after(14, 15), (std::vector<std::string>{"f15"}));
  EXPECT_EQ(log.after(15, 15), std::vector<std::string>{}); // caught up
  EXPECT_FALSE(log.after(11, 15));                          // 12 is gone
  EXPECT_FALSE(log.after(16, 15));                          // not a seq of ours
  EXPECT_FALSE(log.after(-1, 15));                          // nothing to continue from
  frame_log empty;
  EXPECT_EQ(empty.after(7, 7), std::vector<std::string>{});
  EXPECT_FALSE(empty.after(6, 7));
  // Big frames leave sooner: at most max_bytes are kept (and always the last).
  frame_log small{100, 10};
  small.add(1, "12345");
  small.add(2, "67890");
  small.add(3, "abcdefghijkl");
  EXPECT_EQ(small.after(2, 3), (std::vector<std::string>{"abcdefghijkl"}));
  EXPECT_FALSE(small.after(1, 3));
}

TEST(RestartPolicyTest, BacksOffThenFailsAfterFiveCrashesInAMinute) {
  restart_policy p;
  auto t = std::chrono::steady_clock::now();
  EXPECT_EQ(p.record_crash(t), 100ms);
  EXPECT_EQ(p.record_crash(t + 1s), 200ms);
  EXPECT_EQ(p.record_crash(t + 2s), 400ms);
  EXPECT_EQ(p.record_crash(t + 3s), 800ms);
  EXPECT_FALSE(p.failed);
  p.record_crash(t + 4s);
  EXPECT_TRUE(p.failed);
  p.reset();
  EXPECT_FALSE(p.failed);
  // Crashes a minute apart never add up.
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(p.record_crash(t + std::chrono::seconds(61 * i)), 100ms);
  EXPECT_FALSE(p.failed);
  // The delay is capped.
  restart_policy slow;
  slow.max_crashes = 100;
  for (int i = 0; i < 10; ++i)
    slow.record_crash(t);
  EXPECT_EQ(slow.record_crash(t), 5000ms);
}
