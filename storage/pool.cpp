#include "storage/pool.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "storage/pool_lease.hpp"

namespace boocode::storage {

struct pool::state {
  struct slot {
    std::unique_ptr<pqxx::connection> conn;
    std::set<std::string> prepared; // statement groups prepared on conn
  };
  mutable std::mutex mtx;
  std::condition_variable freed;
  std::vector<slot> slots;
  std::vector<int> idle; // free slots, the most recently used last
  pool_stats stats;
};

pool::pool(std::string conninfo, int size)
  : conninfo_(std::move(conninfo)), state_(std::make_unique<state>()) {
  size = std::max(1, size);
  state_->slots.resize(static_cast<size_t>(size));
  for (int i = size - 1; i >= 0; --i)
    state_->idle.push_back(i); // slot 0 first: few connections open under light load
  state_->stats.size = size;
}

pool::~pool() = default;

pool::lease pool::borrow() {
  auto& st = *state_;
  std::unique_lock lock{st.mtx};
  if (st.idle.empty()) {
    ++st.stats.waits;
    ++st.stats.waiting;
    auto t0 = std::chrono::steady_clock::now();
    st.freed.wait(lock, [&] { return !st.idle.empty(); });
    st.stats.wait_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    --st.stats.waiting;
  }
  // An open connection first, so the pool opens a new one only when all
  // open ones are busy.
  auto pick = std::find_if(st.idle.rbegin(), st.idle.rend(),
                           [&](int i) { return st.slots[static_cast<size_t>(i)].conn != nullptr; });
  auto at = pick == st.idle.rend() ? std::prev(st.idle.end()) : std::prev(pick.base());
  int slot = *at;
  st.idle.erase(at);
  ++st.stats.borrows;
  st.stats.peak_in_use = std::max(st.stats.peak_in_use, ++st.stats.in_use);
  return lease{this, slot};
}

pool_stats pool::stats() const {
  std::lock_guard guard{state_->mtx};
  return state_->stats;
}

pool::lease::lease(lease&& other) noexcept : owner_(other.owner_), slot_(other.slot_) {
  other.owner_ = nullptr;
}

pool::lease::~lease() {
  if (owner_ == nullptr)
    return;
  auto& st = *owner_->state_;
  {
    std::lock_guard guard{st.mtx};
    st.idle.push_back(slot_);
    --st.stats.in_use;
  }
  st.freed.notify_one();
}

pqxx::connection& pool::lease::get() {
  auto& st = *owner_->state_;
  auto& s = st.slots[static_cast<size_t>(slot_)];
  if (s.conn && !s.conn->is_open())
    discard();
  if (!s.conn) {
    // Opened outside the lock: a slow server must not hold up the others.
    auto conn = std::make_unique<pqxx::connection>(owner_->conninfo_);
    std::lock_guard guard{st.mtx};
    s.conn = std::move(conn);
    ++st.stats.open;
  }
  return *s.conn;
}

bool pool::lease::first_use_of(const std::string& group) {
  // The slot is this lease's alone while it is lent: no lock needed.
  return owner_->state_->slots[static_cast<size_t>(slot_)].prepared.insert(group).second;
}

void pool::lease::discard() {
  auto& st = *owner_->state_;
  auto& s = st.slots[static_cast<size_t>(slot_)];
  if (!s.conn)
    return;
  std::unique_ptr<pqxx::connection> gone;
  {
    std::lock_guard guard{st.mtx};
    gone = std::move(s.conn);
    --st.stats.open;
  }
  s.prepared.clear();
  gone.reset(); // closed outside the lock
}

int default_pool_size() {
  auto cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return 2 * cores + 2;
}

} // namespace boocode::storage
