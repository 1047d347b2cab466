#pragma once

// Internal to storage/: included by the repositories' .cpp files only.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <pqxx/pqxx>

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

/// One PostgreSQL connection of a repository, opened on first use. After any
/// failure it is dropped (it may be broken, or mid-transaction) and the next
/// call opens a new one. Not thread-safe.
class connection {
public:
  explicit connection(std::string conninfo) : conninfo_(std::move(conninfo)) {}

  /// Runs on every new connection before its first use (declare prepared
  /// statements here: they belong to one connection).
  std::function<void(pqxx::connection&)> on_open;

  /// Runs `f(pqxx::connection&)`; every failure leaves as storage_error with
  /// `what` as the start of its message.
  template <class F>
  auto with(const char* what, F&& f) {
    try {
      if (!conn_ || !conn_->is_open()) {
        conn_ = std::make_unique<pqxx::connection>(conninfo_);
        if (on_open)
          on_open(*conn_);
      }
      return f(*conn_);
    } catch (const storage_error&) {
      conn_.reset();
      throw;
    } catch (const pqxx::broken_connection& e) {
      conn_.reset();
      throw storage_unavailable(fmt::format("{}: connection lost: {}", what, e.what()));
    } catch (const std::exception& e) {
      conn_.reset();
      throw storage_error(fmt::format("{}: {}", what, e.what()));
    }
  }

private:
  std::string conninfo_;
  std::unique_ptr<pqxx::connection> conn_;
};

} // namespace boocode::storage
