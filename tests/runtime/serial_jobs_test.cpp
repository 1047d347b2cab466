// serial_jobs: a turn's journal writes behind it, in order, failures surfacing.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/serial_jobs.hpp"

using namespace boocode;

namespace {

/// A gate jobs wait at until it opens.
struct gate {
  std::mutex mtx;
  std::condition_variable cv;
  bool open = false;
  void pass() {
    std::unique_lock lock{mtx};
    cv.wait(lock, [&] { return open; });
  }
  void release() {
    std::lock_guard guard{mtx};
    open = true;
    cv.notify_all();
  }
};

} // namespace

TEST(SerialJobsTest, JobsRunInOrderWhileThePosterGoesOn) {
  auto queue = std::make_shared<work_queue>(4);
  serial_jobs jobs{queue};
  gate g;
  std::mutex mtx;
  std::vector<int> ran;
  jobs.post([&] { g.pass(); });
  for (int i = 0; i < 50; ++i)
    jobs.post([&, i] {
      std::lock_guard guard{mtx};
      ran.push_back(i);
    });
  {
    std::lock_guard guard{mtx};
    EXPECT_TRUE(ran.empty()); // post() did not wait for the first job
  }
  g.release();
  jobs.wait();
  ASSERT_EQ(ran.size(), 50u);
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(ran[static_cast<size_t>(i)], i);
}

TEST(SerialJobsTest, AFailureDropsTheJobsAfterItAndIsRethrown) {
  auto queue = std::make_shared<work_queue>(2);
  serial_jobs jobs{queue};
  std::atomic<int> after{0};
  // Held, so the failing job cannot run (and fail) before the second is queued.
  jobs.hold([] { throw std::runtime_error("the database refused"); });
  jobs.hold([&] { ++after; });
  EXPECT_THROW(jobs.wait(), std::runtime_error);
  EXPECT_EQ(after, 0);
  EXPECT_THROW(jobs.post([&] { ++after; }), std::runtime_error); // nothing more is queued
  EXPECT_EQ(after, 0);
}

TEST(SerialJobsTest, JobsAStoppedQueueDropsEndTheChain) {
  auto queue = std::make_shared<work_queue>(1);
  queue->stop(); // the node stops: what is posted now is dropped unrun
  serial_jobs jobs{queue};
  std::atomic<int> ran{0};
  jobs.post([&] { ++ran; });
  EXPECT_THROW(jobs.wait(), work_queue_stopped);
  EXPECT_THROW(jobs.post([&] { ++ran; }), work_queue_stopped);
  EXPECT_EQ(ran, 0);
}

// A turn that waits for its journal right after posting a write runs the
// write itself rather than waiting for a queue thread to take it.
TEST(SerialJobsTest, WaitRunsTheJobsNotStartedItself) {
  auto queue = std::make_shared<work_queue>(1);
  gate g;
  queue->post([&] { g.pass(); }); // the queue's one thread is busy
  serial_jobs jobs{queue};
  std::vector<std::thread::id> ran_on;
  for (int i = 0; i < 3; ++i)
    jobs.post([&] { ran_on.push_back(std::this_thread::get_id()); });
  jobs.wait(); // returns with the queue still blocked
  ASSERT_EQ(ran_on.size(), 3u);
  for (auto id : ran_on)
    EXPECT_EQ(id, std::this_thread::get_id());
  jobs.post([&] { ran_on.push_back(std::this_thread::get_id()); }); // the queued drain takes it
  g.release();
  jobs.wait();
  EXPECT_EQ(ran_on.size(), 4u);
}

// A held job wakes no queue thread: wait() runs it on the caller's thread,
// and a job posted after it hands it on, in order.
TEST(SerialJobsTest, AHeldJobRunsOnWaitOrWithTheNextPost) {
  auto queue = std::make_shared<work_queue>(1);
  serial_jobs jobs{queue};
  std::mutex mtx;
  std::vector<std::pair<int, std::thread::id>> ran;
  auto job = [&](int n) {
    return [&, n] {
      std::lock_guard guard{mtx};
      ran.emplace_back(n, std::this_thread::get_id());
    };
  };
  jobs.hold(job(1));
  jobs.wait();
  ASSERT_EQ(ran.size(), 1u);
  EXPECT_EQ(ran[0].second, std::this_thread::get_id());
  jobs.hold(job(2));
  jobs.post(job(3));
  jobs.wait();
  ASSERT_EQ(ran.size(), 3u);
  EXPECT_EQ(ran[1].first, 2);
  EXPECT_EQ(ran[2].first, 3);
  // A failure of an earlier job refuses the next hold.
  jobs.post([] { throw std::runtime_error("disk full"); });
  EXPECT_THROW(jobs.wait(), std::runtime_error);
  EXPECT_THROW(jobs.hold(job(4)), std::runtime_error);
  EXPECT_EQ(ran.size(), 3u);
}
