#pragma once

#include <caf/error.hpp>

#include "storage/storage_error.hpp"

namespace boocode {

/// The one place a storage failure becomes an actor error (errc): an owner
/// whose lease moved on → fenced; a lease a live node holds → not_owner (the
/// context names the node); the database unreachable → storage_unavailable
/// (the same call may succeed later); anything else → storage_failure (a
/// refusal repeating will not fix).
caf::error to_error(const storage::storage_error& e);

} // namespace boocode
