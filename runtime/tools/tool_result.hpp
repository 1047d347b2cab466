#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "runtime/model/chat_types.hpp"
#include "runtime/protocol/states.hpp"

namespace boocode::tools {

/// How a tool call ended (its names: runtime/protocol/states.hpp).
using tool_outcome = protocol::tool_outcome;

/// What a tool call returns: the text for the model plus what the session,
/// the trace and the journal need to know about the call.
struct tool_result {
  tool_outcome outcome = tool_outcome::ok;
  /// What the model sees: the tool's output, or the error in words. Valid UTF-8.
  std::string text;
  /// run_command only: the exit code (128+N for signal N) when it ran to the end.
  std::optional<int> exit_code;
  /// The output was cut at a bound (entry or match count, output cap).
  bool truncated = false;
  /// The tool changes nothing in the workspace (read_file, list_dir, search),
  /// so a call interrupted by a crash may simply run again.
  bool read_only = false;
  /// Images the call opened (view_image): shown to the model after the
  /// reply's tool results, kept with the tool's message.
  std::vector<model::image_ref> images;

  bool ok() const { return outcome == tool_outcome::ok; }
};

/// An `error` result whose text is `message`.
tool_result tool_error(std::string message, bool read_only);

/// {"outcome", "text", "exit_code" (number or null), "truncated", "read_only"}.
void to_json(nlohmann::json& j, const tool_result& r);
/// The inverse of to_json; throws nlohmann::json::exception on a malformed object.
void from_json(const nlohmann::json& j, tool_result& r);

/// Thrown inside a tool for an expected failure (bad path, missing file,
/// bad argument); guarded() turns it into an error result for the model.
class tool_failure : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Thrown inside a tool for a call it must refuse (a path that escapes the
/// workspace); guarded() turns it into a `denied` result.
class tool_denied : public tool_failure {
public:
  using tool_failure::tool_failure;
};

/// Runs `body` (returning a tool_result) and turns every exception into an
/// error result, so a tool never throws at its caller.
template <class Body>
tool_result guarded(bool read_only, Body&& body) {
  try {
    tool_result r = body();
    r.read_only = read_only;
    return r;
  } catch (const tool_denied& e) {
    auto r = tool_error(e.what(), read_only);
    r.outcome = tool_outcome::denied;
    return r;
  } catch (const std::exception& e) {
    return tool_error(e.what(), read_only);
  } catch (...) {
    return tool_error("internal error in the tool", read_only);
  }
}

} // namespace boocode::tools
