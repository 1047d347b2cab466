#pragma once

// Internal to storage/: what session_repository's two .cpp files share
// (session_repository.cpp: leases, routing, inbox, load; session_turns.cpp:
// a turn's writes).

#include <string>

#include <pqxx/pqxx>

#include "storage/connection.hpp"
#include "storage/session_repository.hpp"

namespace boocode::storage {

struct session_repository::impl {
  explicit impl(connection c);
  connection db;
};

/// The inbox columns an inbox_entry is read from (to_inbox's order).
extern const std::string inbox_columns;
chat::inbox_entry to_inbox(const pqxx::row& row);

/// The statement prefix that makes one statement fenced: CTE `lease` has a
/// row only while actor $1's lease is at epoch $2, and holds it (a new
/// owner's takeover waits) until the statement's transaction ends.
extern const char* const lease_cte;

/// Declares the turn's prepared statements on `c`.
void prepare_turn_statements(pqxx::connection& c);

} // namespace boocode::storage
