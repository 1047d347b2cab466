#include "runtime/work_queue.hpp"

#include <algorithm>

namespace boocode {

work_queue::work_queue(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i)
    threads_.emplace_back([this] { run(); });
}

work_queue::~work_queue() {
  stop();
}

void work_queue::post(std::function<void()> job) {
  {
    std::lock_guard guard{mtx_};
    if (stopping_)
      return;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void work_queue::stop() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard guard{mtx_};
    if (stopping_ && threads_.empty())
      return;
    stopping_ = true;
    dropped.swap(jobs_);
  }
  wake_.notify_all();
  for (auto& t : threads_)
    t.join();
  threads_.clear();
}

size_t work_queue::backlog() const {
  std::lock_guard guard{mtx_};
  return jobs_.size();
}

void work_queue::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock{mtx_};
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_)
        return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

} // namespace boocode
