#pragma once

// Internal to storage/: included by connection.hpp and pool.cpp only.

#include <string>

#include <pqxx/pqxx>

#include "storage/pool.hpp"

namespace boocode::storage {

/// A connection lent to one caller; returned to the pool when destroyed.
class pool::lease {
public:
  lease(lease&& other) noexcept;
  lease& operator=(lease&&) = delete;
  ~lease();

  /// The connection, opened now when it was not (throws pqxx's errors).
  pqxx::connection& get();
  /// Whether `group`'s statements were prepared on this connection yet;
  /// marks them prepared (the caller prepares them when this says false).
  bool first_use_of(const std::string& group);
  /// The connection may be broken or mid-transaction: close it.
  void discard();

private:
  friend class pool;
  lease(pool* owner, int slot) : owner_(owner), slot_(slot) {}
  pool* owner_;
  int slot_;
};

} // namespace boocode::storage
