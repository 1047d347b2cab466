#pragma once

// Internal to storage/: included by the repositories' .cpp files only.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "storage/pool_lease.hpp"
#include "storage/storage_error.hpp"

namespace boocode::storage {

/// libpqxx 6's std::optional support needs PQXX_HAVE_OPTIONAL, which the
/// packaged build does not define; read nullable columns by hand.
template <class T>
std::optional<T> nullable(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional<T>{f.as<T>()};
}

/// Cluster bookkeeping (membership, claims, moves) waits at most this long
/// for a row lock, then fails and is tried again at the next beat: a node
/// that hung holding one must not stall the others.
inline void limit_lock_wait(pqxx::transaction_base& tx) {
  tx.exec("SET LOCAL lock_timeout = '2s'");
}

/// A repository's way to the database: each call borrows a connection of
/// its pool (a pool of its own with one connection when it was given a
/// conninfo). After any failure that connection is closed (it may be broken,
/// or mid-transaction) and reopened on its next use. Thread-safe when the
/// pool is shared.
class connection {
public:
  /// A dedicated connection (a pool of one).
  explicit connection(std::string conninfo)
    : pool_(std::make_shared<pool>(std::move(conninfo), 1)) {}
  connection(std::shared_ptr<pool> p, std::string group)
    : pool_(std::move(p)), group_(std::move(group)) {}

  /// Runs once on every connection before this repository's first use of it
  /// (declare prepared statements here: they belong to one connection).
  std::function<void(pqxx::connection&)> on_open;

  /// Runs `f(pqxx::connection&)`; every failure leaves as storage_error with
  /// `what` as the start of its message.
  template <class F>
  auto with(const char* what, F&& f) {
    auto lease = pool_->borrow();
    try {
      auto& c = lease.get();
      if (on_open && lease.first_use_of(group_))
        on_open(c);
      return f(c);
    } catch (const storage_unavailable&) {
      lease.discard();
      throw;
    } catch (const storage_error&) {
      throw; // a refusal (fenced, not the owner): its transaction is rolled back
    } catch (const pqxx::broken_connection& e) {
      lease.discard();
      throw storage_unavailable(fmt::format("{}: connection lost: {}", what, e.what()));
    } catch (const std::exception& e) {
      lease.discard();
      throw storage_error(fmt::format("{}: {}", what, e.what()));
    }
  }

private:
  std::shared_ptr<pool> pool_;
  std::string group_;
};

} // namespace boocode::storage
