#pragma once

#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/sandbox/js_scan.hpp"

namespace boocode::sandbox {

/// Reads the plain JavaScript literal that starts at tokens[i] and moves i
/// past it: an object (keys written as names, strings or numbers; trailing
/// commas allowed), an array, a string, a template literal without
/// substitutions, a number (decimal, hex, octal or binary, with an optional
/// minus sign), true, false or null. Anything else (a name, a call, a
/// computed key, a spread) throws scan_error naming where it is.
nlohmann::json read_literal(const std::vector<token>& tokens, std::size_t& i);

} // namespace boocode::sandbox
