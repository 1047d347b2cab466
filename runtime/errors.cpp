#include "runtime/errors.hpp"

namespace boocode {

std::string to_string(errc x) {
  switch (x) {
    case errc::none:
      return "none";
    case errc::storage_failure:
      return "storage_failure";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::not_found:
      return "not_found";
  }
  return "errc(" + std::to_string(static_cast<int>(x)) + ")";
}

} // namespace boocode
