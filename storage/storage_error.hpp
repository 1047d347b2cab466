#pragma once

#include <stdexcept>
#include <string>

namespace boocode::storage {

/// Every failure that leaves the storage module: libpqxx's exceptions are
/// caught at the adapter and rethrown as this, with a message for people.
class storage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace boocode::storage
