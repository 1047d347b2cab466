#include "runtime/work_queue.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace boocode {

struct work_queue::state {
  mutable std::mutex mtx;
  std::condition_variable wake;
  std::deque<std::function<void()>> jobs;
  bool stopping = false;
  size_t max_threads = 1;
  size_t idle = 0; // threads waiting for a job
  std::vector<std::thread> threads;

  /// A thread's loop; it holds the state, so the queue may end before it.
  static void run(const std::shared_ptr<state>& st) {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock{st->mtx};
        ++st->idle;
        st->wake.wait(lock, [&] { return st->stopping || !st->jobs.empty(); });
        --st->idle;
        if (st->stopping)
          return;
        job = std::move(st->jobs.front());
        st->jobs.pop_front();
      }
      job();
    }
  }
};

work_queue::work_queue(int max_threads) : state_(std::make_shared<state>()) {
  state_->max_threads = static_cast<size_t>(std::max(1, max_threads));
}

work_queue::~work_queue() {
  stop();
}

void work_queue::post(std::function<void()> job) {
  auto& st = *state_;
  {
    std::lock_guard guard{st.mtx};
    if (st.stopping)
      return;
    st.jobs.push_back(std::move(job));
    if (st.idle < st.jobs.size() && st.threads.size() < st.max_threads)
      st.threads.emplace_back([s = state_] { state::run(s); });
  }
  st.wake.notify_one();
}

void work_queue::stop() {
  auto& st = *state_;
  std::deque<std::function<void()>> dropped;
  std::vector<std::thread> threads;
  {
    std::lock_guard guard{st.mtx};
    st.stopping = true;
    dropped.swap(st.jobs);
    threads.swap(st.threads);
  }
  st.wake.notify_all();
  dropped.clear(); // outside the lock: a job's captures may post
  for (auto& t : threads) {
    if (t.get_id() == std::this_thread::get_id())
      t.detach(); // a job of ours ended the queue: its loop sees stopping and returns
    else
      t.join();
  }
}

size_t work_queue::backlog() const {
  std::lock_guard guard{state_->mtx};
  return state_->jobs.size();
}

size_t work_queue::threads() const {
  std::lock_guard guard{state_->mtx};
  return state_->threads.size();
}

} // namespace boocode
