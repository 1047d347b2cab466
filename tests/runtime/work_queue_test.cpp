// The blocking-work queue: bounded threads started on demand, jobs in order,
// queued jobs dropped at stop, and a job may end the queue that runs it.
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/poll.hpp"
#include "runtime/work_queue.hpp"

using namespace boocode;
using namespace std::chrono_literals;

TEST(WorkQueueTest, RunsAtMostItsThreadsAtOnceAndStartsThemOnDemand) {
  work_queue q{2};
  EXPECT_EQ(q.threads(), 0u);
  std::atomic<bool> open{false};
  std::atomic<int> running{0};
  std::atomic<int> done{0};
  for (int i = 0; i < 6; ++i)
    q.post([&] {
      ++running;
      open.wait(false);
      --running;
      ++done;
    });
  ASSERT_TRUE(poll_until(5s, [&] { return running == 2; }));
  EXPECT_EQ(q.threads(), 2u);
  EXPECT_EQ(q.backlog(), 4u);
  open = true;
  open.notify_all();
  ASSERT_TRUE(poll_until(5s, [&] { return done == 6; }));
  EXPECT_EQ(q.threads(), 2u);
}

TEST(WorkQueueTest, OneThreadRunsJobsInOrderAndStopDropsTheQueued) {
  work_queue q{1};
  std::mutex mtx;
  std::vector<int> order;
  std::atomic<bool> open{false};
  q.post([&] { open.wait(false); });
  for (int i = 0; i < 5; ++i)
    q.post([&, i] {
      std::lock_guard guard{mtx};
      order.push_back(i);
    });
  open = true;
  open.notify_all();
  ASSERT_TRUE(poll_until(5s, [&] {
    std::lock_guard guard{mtx};
    return order.size() == 5;
  }));
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));

  std::atomic<bool> gate{false};
  std::atomic<int> ran{0};
  q.post([&] { gate.wait(false); });
  auto dropped = std::make_shared<int>(0);
  q.post([&ran, dropped] { ++ran; });
  EXPECT_EQ(dropped.use_count(), 2);
  ASSERT_TRUE(poll_until(5s, [&] { return q.backlog() == 1; })); // the gate job runs
  std::thread stopper{[&] { q.stop(); }};
  ASSERT_TRUE(poll_until(5s, [&] { return q.backlog() == 0; })); // stop took the queue
  gate = true;
  gate.notify_all();
  stopper.join();
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(dropped.use_count(), 1); // the queued job was destroyed unrun
  q.post([&ran] { ++ran; });         // after stop: dropped
  EXPECT_EQ(q.backlog(), 0u);
}

TEST(WorkQueueTest, AJobMayHoldTheLastOwnerOfItsQueue) {
  auto q = std::make_shared<work_queue>(1);
  std::atomic<bool> ended{false};
  // Raised when the job (the marker's last owner) is destroyed.
  std::shared_ptr<void> marker{nullptr, [&ended](void*) { ended = true; }};
  q->post([q, marker] {}); // the job owns the queue
  marker.reset();
  q.reset(); // the job's end destroys the queue on its own thread
  EXPECT_TRUE(poll_until(5s, [&] { return ended.load(); }));
}
