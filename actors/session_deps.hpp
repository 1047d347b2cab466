#pragma once

#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "runtime/model/provider.hpp"
#include "runtime/tools/tool_context.hpp"

namespace boocode {

/// What every session and turn worker of a node shares; built once by the
/// composition root and never changed afterwards.
struct session_deps {
  std::string conninfo;
  std::shared_ptr<model::model_provider> provider;
  tools::tool_limits limits;
  int max_fix_attempts = 3;
  std::shared_ptr<spdlog::logger> log;
};

} // namespace boocode
