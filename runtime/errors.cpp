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
    case errc::not_owner:
      return "not_owner";
    case errc::fenced:
      return "fenced";
    case errc::refused:
      return "refused";
    case errc::unavailable:
      return "unavailable";
    case errc::stopped:
      return "stopped";
    case errc::failed:
      return "failed";
    case errc::storage_unavailable:
      return "storage_unavailable";
  }
  return "errc(" + std::to_string(static_cast<int>(x)) + ")";
}

std::string error_text(caf::actor_system& sys, const caf::error& e) {
  const auto& ctx = e.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return sys.render(e);
}

bool is_error(const caf::error& e, errc code) {
  // An actor that quit normally has no error (CAF 0.17's category() of none is undefined).
  return e && e.category() == caf::atom("boocode") && e.code() == static_cast<uint8_t>(code);
}

} // namespace boocode
