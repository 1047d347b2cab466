#include "actors/storage_errors.hpp"

#include "runtime/errors.hpp"

namespace boocode {

caf::error to_error(const storage::storage_error& e) {
  if (dynamic_cast<const storage::fenced*>(&e) != nullptr)
    return caf::make_error(errc::fenced, e.what());
  if (dynamic_cast<const storage::not_owner*>(&e) != nullptr)
    return caf::make_error(errc::not_owner, e.what());
  if (dynamic_cast<const storage::storage_unavailable*>(&e) != nullptr)
    return caf::make_error(errc::storage_unavailable, e.what());
  return caf::make_error(errc::storage_failure, e.what());
}

} // namespace boocode
