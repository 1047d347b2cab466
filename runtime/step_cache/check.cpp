#include "runtime/step_cache/check.hpp"

#include <algorithm>
#include <iterator>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "runtime/step_cache/workspace_state.hpp"
#include "runtime/tools/file_tools.hpp"
#include "runtime/tools/tool_result.hpp"
#include "runtime/tools/workspace_path.hpp"

namespace fs = std::filesystem;

namespace boocode::step_cache {

std::string miss::describe() const {
  switch (kind) {
    case miss_kind::first_run:
      return "first run";
    case miss_kind::gone:
      return "no entry (expired, evicted or cleared)";
    case miss_kind::spec_changed:
      return "spec changed: " + detail;
    case miss_kind::input_changed:
      return "input changed: " + detail;
    case miss_kind::write_conflict:
      return "write conflict: " + detail;
    case miss_kind::disabled:
      return "cache disabled" + (detail.empty() ? std::string() : ": " + detail);
    case miss_kind::uncacheable:
      return "not cacheable: " + detail;
  }
  return detail;
}

std::optional<miss> check(const fs::path& workspace, const step_record& r,
                          const check_limits& limits) {
  std::error_code ec;
  auto root = fs::canonical(workspace, ec);
  if (ec)
    return miss{miss_kind::input_changed, "the workspace " + workspace.string()};
  if (r.found) {
    auto now = take_manifest(root, limits.max_manifest_files);
    if (!now)
      return miss{miss_kind::input_changed, "the workspace (too many files to fingerprint)"};
    if (*now == *r.found || (r.left && *now == *r.left))
      return std::nullopt;
    // Name a file that is neither as the step found it nor as it left it.
    auto changed = differences(*r.found, *now);
    if (r.left) {
      auto since = differences(*r.left, *now);
      std::vector<std::string> both;
      std::set_intersection(changed.begin(), changed.end(), since.begin(), since.end(),
                            std::back_inserter(both));
      if (!both.empty())
        changed = std::move(both);
    }
    return miss{miss_kind::input_changed, changed.empty() ? "the workspace" : changed.front()};
  }
  std::set<std::string> written;
  for (const auto& w : r.writes)
    written.insert(w.path);
  for (const auto& f : r.reads)
    if (!written.contains(f.path) && hash_file(root / f.path) != f.hash)
      return miss{miss_kind::input_changed, f.path};
  std::set<std::string> created{r.created.begin(), r.created.end()};
  for (const auto& d : r.lists)
    if (listing_hash(d.path, folder_names(root / d.path), created) != d.names)
      return miss{miss_kind::input_changed, d.path == "." ? "./" : d.path + "/"};
  for (const auto& s : r.searches) {
    auto v = view_search(root, root / s.path, s.files, limits.max_search_file_bytes);
    if (v.digest != s.digest || (s.complete && v.more))
      return miss{miss_kind::input_changed, fmt::format("/{}/ in {}", s.pattern, s.path)};
  }
  for (const auto& w : r.writes)
    if (auto now = hash_file(root / w.path); now != w.before && now != w.after)
      return miss{miss_kind::write_conflict, w.path};
  return std::nullopt;
}

void restore(const fs::path& workspace, const step_record& r) {
  for (const auto& w : r.writes) {
    try {
      auto file = tools::resolve_workspace_path(workspace, w.path);
      if (hash_file(file.absolute) == w.after)
        continue;
      if (w.content) {
        std::error_code ec;
        fs::create_directories(file.absolute.parent_path(), ec);
        tools::write_atomically(file, *w.content);
      } else {
        fs::remove(file.absolute);
      }
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("cannot restore {}: {}", w.path, e.what()));
    }
  }
}

} // namespace boocode::step_cache
