#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/sandbox/js_scan.hpp"

namespace boocode::sandbox {

// The checks a workflow script passes before it runs, without V8: its first
// statement is `export const meta = { … }` (a plain literal), and it uses no
// `import`, `require` or other `export`. V8 checks the syntax when it
// compiles the script (engine::check).

/// The longest script accepted.
constexpr std::size_t max_script_bytes = 1 << 20;

struct workflow_phase {
  std::string title;
  std::string detail;
};

/// A workflow's `meta`, as the catalog lists it.
struct workflow_meta {
  std::string name;
  std::string description;
  std::string when_to_use;
  std::vector<workflow_phase> phases;
  nlohmann::json args;            // as written; null when absent
  std::optional<int> concurrency; // steps at once, when the script asks
  nlohmann::json literal;         // the whole meta object
};

struct checked_script {
  workflow_meta meta;
  /// The script with its first `export` blanked out (same length, so lines
  /// and columns are unchanged): what the sandbox runs.
  std::string body;
};

/// Why a script was refused, and where.
struct script_problem {
  position at;
  std::string message;
  /// "line 3, column 7: …"
  std::string describe() const;
};

std::variant<checked_script, script_problem> check_script(std::string_view source);

/// The meta of an already-parsed literal; throws std::invalid_argument
/// naming the field that is wrong.
workflow_meta meta_from_literal(const nlohmann::json& literal);

} // namespace boocode::sandbox
