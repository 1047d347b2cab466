#pragma once

#include <string>
#include <vector>

namespace boocode {

/// `boocode admin [--connect HOST:PORT] [--token T] [--json] COMMAND ...`: the
/// operator's client of a node's admin port. Prints tables (or JSON), errors
/// as one line on stderr. Returns the exit code: 0 done, 1 refused or failed
/// (unknown actor or node, wrong token, unreachable port), 2 bad usage.
int admin_command(const std::vector<std::string>& args);

/// The text of `boocode admin --help`.
std::string admin_help_text();

} // namespace boocode
