#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace boocode::storage {

/// What a pool holds and has done, for the budget checks and benchmarks.
struct pool_stats {
  int size = 0;            // most connections it opens
  int open = 0;            // opened now
  int in_use = 0;          // lent out now
  int peak_in_use = 0;     // most lent out at once
  int waiting = 0;         // callers waiting for one now
  uint64_t waits = 0;      // borrows that had to wait
  double wait_seconds = 0; // how long they waited, in all
  uint64_t borrows = 0;
};

/// A bounded set of PostgreSQL connections shared by the repositories of a
/// node: a caller borrows one for one call and waits while all are lent out
/// (the queue is the callers' threads: blocking work only, never on an actor
/// or I/O thread). Connections open on demand, up to `size`; one that failed
/// is closed and reopened on its next use. Thread-safe.
class pool {
public:
  pool(std::string conninfo, int size);
  ~pool();
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;

  /// A connection lent to one caller (storage/pool_lease.hpp: internal to
  /// the storage module, which alone sees libpqxx).
  class lease;

  /// Waits for a free connection and lends it.
  lease borrow();

  pool_stats stats() const;
  const std::string& conninfo() const { return conninfo_; }

private:
  struct state;
  std::string conninfo_;
  std::unique_ptr<state> state_;
};

/// The pool size a node uses when not told: 2 × cores + 2 (PostgreSQL's
/// own advice for a busy server's active connections, per client here).
int default_pool_size();

} // namespace boocode::storage
