#pragma once

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <vector>

#include "runtime/logging.hpp"
#include "runtime/node_options.hpp"
#include "runtime/tools/sandbox.hpp"

namespace boocode {

/// The node cannot start as configured; `boocode serve` prints the one-line
/// reason and exits with code 2, as for a bad flag.
class refused_start : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The sandbox every command of this node runs in, checked by running
/// /bin/true in it; null with `--sandbox off` (warned). Throws refused_start
/// when the machine cannot give one.
std::shared_ptr<const tools::sandbox_policy>
make_command_sandbox(const node_config& cfg, const std::vector<std::filesystem::path>& roots,
                     spdlog::logger& log);

} // namespace boocode
