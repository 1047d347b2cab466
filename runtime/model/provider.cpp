#include "runtime/model/provider.hpp"

namespace boocode::model {

std::string to_string(model_error::kind k) {
  switch (k) {
    case model_error::kind::network:
      return "network";
    case model_error::kind::timeout:
      return "timeout";
    case model_error::kind::http_status:
      return "http_status";
    case model_error::kind::protocol:
      return "protocol";
    case model_error::kind::cancelled:
      return "cancelled";
    case model_error::kind::config:
      return "config";
  }
  return "unknown";
}

} // namespace boocode::model
