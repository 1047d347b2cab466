#include "runtime/tools/search_tool.hpp"

#include <algorithm>
#include <regex>
#include <vector>

#include <fmt/format.h>

#include "runtime/tools/file_observer.hpp"
#include "runtime/tools/file_walk.hpp"
#include "runtime/tools/text.hpp"
#include "runtime/tools/workspace_path.hpp"

namespace fs = std::filesystem;

namespace boocode::tools {

namespace {

constexpr size_t max_pattern_bytes = 1000;
/// std::regex (libstdc++) recurses once or more per character of the
/// subject, using up to about 1 KiB of stack per character: matching only a
/// line's first 1 KiB keeps a search within a 2 MiB stack (more under
/// AddressSanitizer), where a minified megabyte line would overflow any.
constexpr size_t max_matched_line_bytes = 1024;

/// The walk's state: what it found and why it stopped.
struct search_run {
  const tool_context& ctx;
  const std::regex& re;
  const fs::path& root;
  std::string out;
  size_t matches = 0;
  size_t files = 0;
  bool match_limit_hit = false;
  bool file_limit_hit = false;
  bool cancelled = false;
  std::optional<walk_digest> seen; // kept when the context has an observer

  bool done() const { return match_limit_hit || file_limit_hit || cancelled; }

  void search_file(const fs::path& file) {
    if (++files > ctx.limits.max_search_files) {
      file_limit_hit = true;
      return;
    }
    auto data = slurp(file, ctx.limits.max_search_file_bytes);
    auto rel = valid_utf8(file.lexically_relative(root).string());
    if (seen)
      seen->add(rel, data);
    if (!data || looks_binary(*data))
      return;
    std::string_view rest{*data};
    for (size_t line_no = 1; !rest.empty(); ++line_no) {
      if (ctx.cancel && ctx.cancel->cancelled()) {
        cancelled = true;
        return;
      }
      auto nl = rest.find('\n');
      auto line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
      if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
      auto subject = line.substr(0, max_matched_line_bytes);
      if (!std::regex_search(subject.begin(), subject.end(), re))
        continue;
      if (matches == ctx.limits.max_search_matches) {
        match_limit_hit = true;
        return;
      }
      ++matches;
      auto shown = clip_utf8(line, ctx.limits.max_search_line_bytes);
      out += fmt::format("{}:{}: {}{}\n", rel, line_no, valid_utf8(shown),
                         shown.size() < line.size() ? " [...]" : "");
    }
  }
};

} // namespace

tool_result search(const tool_context& ctx, std::string_view pattern, std::string_view path) {
  return guarded(true, [&] {
    if (pattern.empty())
      throw tool_failure("pattern is empty");
    if (pattern.size() > max_pattern_bytes)
      throw tool_failure(
        fmt::format("pattern is too long (the limit is {} bytes)", max_pattern_bytes));
    std::regex re;
    try {
      re = std::regex(std::string(pattern), std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw tool_failure(fmt::format("invalid regular expression /{}/: {}", pattern, e.what()));
    }
    auto start = resolve_workspace_path(ctx.workspace, path);
    std::error_code ec;
    if (!fs::exists(fs::status(start.absolute, ec)))
      throw tool_failure(fmt::format("path not found: {}", start.relative));

    search_run run{ctx, re, start.root, {}, 0, 0, false, false, false, std::nullopt};
    if (ctx.observer)
      run.seen.emplace();
    walk_files(
      start.absolute,
      [&](const fs::path& file) {
        run.search_file(file);
        return !run.done();
      },
      ctx.cancel.get());
    run.cancelled = run.cancelled || (ctx.cancel && ctx.cancel->cancelled());

    if (run.cancelled) {
      auto r = tool_error("search cancelled", true);
      r.outcome = tool_outcome::cancelled;
      return r;
    }
    if (ctx.observer)
      ctx.observer->searched(
        {start.relative, std::string(pattern), run.seen->files(), !run.done(), run.seen->hex()});
    tool_result r;
    r.text = std::move(run.out);
    r.truncated = run.done();
    if (run.match_limit_hit)
      r.text += fmt::format("[search stopped at {} matches; narrow the pattern or the path]\n",
                            run.matches);
    else if (run.file_limit_hit)
      r.text += fmt::format("[search stopped after {} files; narrow the path]\n",
                            ctx.limits.max_search_files);
    if (run.matches == 0 && !r.truncated)
      r.text = fmt::format("no matches for /{}/ in {}", pattern, start.relative);
    return r;
  });
}

} // namespace boocode::tools
