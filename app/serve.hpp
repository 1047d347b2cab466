#pragma once

#include "runtime/node_options.hpp"

namespace boocode {

/// Runs a node until SIGINT or SIGTERM; returns the process exit code
/// (0 after a clean shutdown, 1 when the node could not start).
int serve(const node_config& cfg);

} // namespace boocode
