#include "runtime/step_cache/recorder.hpp"

#include <fmt/format.h>

#include "runtime/digest.hpp"
#include "runtime/step_cache/workspace_state.hpp"
#include "runtime/tools/file_walk.hpp"

namespace fs = std::filesystem;

namespace boocode::step_cache {

recorder::recorder(fs::path workspace, record_limits limits) : limits_(limits) {
  std::error_code ec;
  root_ = fs::canonical(workspace, ec);
  if (ec)
    root_ = std::move(workspace);
}

void recorder::read(const std::string& path, std::string_view content) {
  // The first read tells what the step found; a path it wrote is checked
  // by its write instead.
  if (before_.contains(path) || !read_paths_.insert(path).second)
    return;
  reads_.push_back({path, sha256_hex(content)});
}

void recorder::listed(const std::string& path, std::vector<std::string> names) {
  lists_.emplace_back(path, std::move(names));
}

void recorder::searched(tools::search_seen s) {
  searches_.push_back(std::move(s));
}

void recorder::writing(const std::string& path, const fs::path& absolute) {
  if (before_.contains(path))
    return;
  before_[path] = hash_file(absolute);
  written_.push_back(path);
  // The file and the folders a write will create.
  std::error_code ec;
  for (auto p = fs::path(path); !p.empty() && p != "."; p = p.parent_path()) {
    if (fs::exists(root_ / p, ec))
      break;
    created_.insert(p.string());
  }
}

void recorder::running_command() {
  if (before_command_)
    return;
  before_command_ = take_manifest(root_, limits_.max_manifest_files);
  written_before_command_ = {written_.begin(), written_.end()};
}

std::variant<step_record, std::string> recorder::finish() const {
  step_record r;
  std::size_t bytes = 0;
  auto add_write = [&](const std::string& path, file_hash before) -> bool {
    // The file is read once: its bytes are both what a hit puts back and
    // what its hash is taken of.
    auto absolute = root_ / path;
    file_write w{path, std::move(before), "", std::nullopt};
    std::error_code ec;
    if (fs::is_regular_file(fs::status(absolute, ec))) {
      w.content = tools::slurp(absolute, limits_.max_write_bytes);
      if (!w.content)
        return false; // too large (or unreadable)
      w.after = sha256_hex(*w.content);
    }
    if (w.after == w.before)
      return true; // no change in the end
    bytes += w.path.size() + (w.content ? w.content->size() : 0);
    r.writes.push_back(std::move(w));
    return bytes <= limits_.max_write_bytes;
  };
  if (before_command_) {
    if (!*before_command_)
      return fmt::format("the workspace has more than {} files to fingerprint",
                         limits_.max_manifest_files);
    // The workspace as the step found it: as before its first command, less
    // what its file tools wrote before that.
    auto found = **before_command_;
    for (const auto& path : written_before_command_) {
      const auto& before = before_.at(path);
      if (before.empty())
        found.erase(path);
      else
        found[path] = before.substr(0, 16);
    }
    auto left = take_manifest(root_, limits_.max_manifest_files);
    if (!left)
      return fmt::format("the workspace has more than {} files to fingerprint",
                         limits_.max_manifest_files);
    // What changed between the two, with the files' whole hashes.
    std::set<std::string> changed;
    for (const auto& [path, h] : found)
      if (auto it = left->find(path); it == left->end() || it->second != h)
        changed.insert(path);
    for (const auto& [path, h] : *left)
      if (!found.contains(path))
        changed.insert(path);
    for (const auto& path : changed) {
      // (A hit checks the whole workspace, not each write's state before.)
      if (!add_write(path, found.contains(path) ? found.at(path) : std::string()))
        return std::string("the files it wrote are too large to cache");
    }
    r.found = std::move(found);
    r.left = std::move(*left);
    return r;
  }
  for (const auto& path : written_)
    if (!add_write(path, before_.at(path)))
      return std::string("the files it wrote are too large to cache");
  r.reads = reads_;
  r.searches = searches_;
  // A folder's names, less the files and folders the step created in it.
  r.created = {created_.begin(), created_.end()};
  for (const auto& [path, names] : lists_)
    r.lists.push_back({path, listing_hash(path, names, created_)});
  return r;
}

} // namespace boocode::step_cache
