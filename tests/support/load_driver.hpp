#pragma once

// Driving many chats at once, for the scale tests and the benchmarks: a
// sampler of the connections nodes hold, work spread over client threads,
// and subscribing over a WebSocket until the snapshot comes.
#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "tests/support/http_client.hpp"

namespace boocode::test {

/// The most connections BooCode nodes had open at once on a PostgreSQL
/// (they name themselves in application_name), sampled every 10 ms until
/// destroyed.
class connection_sampler {
public:
  explicit connection_sampler(std::string conninfo);
  ~connection_sampler();
  connection_sampler(const connection_sampler&) = delete;
  connection_sampler& operator=(const connection_sampler&) = delete;
  int most() const { return most_; }

private:
  std::string conninfo_;
  std::atomic<bool> stop_{false};
  std::atomic<int> most_{0};
  std::thread thread_;
};

/// Runs `f(i)` for every i in [0, n) on `clients` threads at once.
void spread(int n, int clients, const std::function<void(int)>& f);

/// The first column of the first row of `sql`, as a number.
int64_t count_of(const std::string& conninfo, const std::string& sql);

/// The first column of every row of `sql`, as text (null: skipped).
std::vector<std::string> rows_of(const std::string& conninfo, const std::string& sql);

/// Subscribes `ws` to `chat`, waits for its snapshot frame and unsubscribes;
/// the milliseconds to the snapshot. Throws when none comes in 30 s.
double subscribe_once(ws_client& ws, const std::string& chat);

} // namespace boocode::test
