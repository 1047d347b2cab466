#pragma once

// What a cached workflow step read and wrote (docs/workflows.md, "The step
// cache"): the inputs a hit is checked against and the outputs it restores.

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "runtime/tools/file_observer.hpp"

namespace boocode::step_cache {

/// A file's state: the SHA-256 (hex) of its bytes; empty when it does not
/// exist (or is not a regular file).
using file_hash = std::string;

struct file_read {
  std::string path; // relative to the workspace
  file_hash hash;
};

struct dir_read {
  std::string path;
  std::string names; // SHA-256 of its sorted names, less the files the step created
};

struct file_write {
  std::string path;
  file_hash before;                   // as the step found it
  file_hash after;                    // as it left it
  std::optional<std::string> content; // the bytes it left; nothing: it deleted the file
};

/// A workspace's files (not under skipped folders) by path: the first 16 hex
/// digits of each one's hash.
using manifest = std::map<std::string, std::string>;

struct step_record {
  std::vector<file_read> reads;
  std::vector<dir_read> lists;
  std::vector<tools::search_seen> searches;
  /// A step that ran a command: the whole workspace as it found it (its
  /// inputs are unknown), and as it left it. Then reads, lists and searches
  /// are empty.
  std::optional<manifest> found;
  std::optional<manifest> left;
  std::vector<file_write> writes;
  /// The files and folders it created: a folder it listed is compared
  /// without them.
  std::vector<std::string> created;

  /// The bytes of the files it wrote (the entry's size, roughly).
  std::size_t bytes() const;
};

nlohmann::json to_json(const step_record& r);
/// Throws std::invalid_argument for JSON that is not a record.
step_record record_from_json(const nlohmann::json& j);

/// SHA-256 of `names` sorted, one per line.
std::string names_hash(std::vector<std::string> names);

/// A dir_read's hash of folder `dir`'s `names`, less the paths in `created`
/// (what the step made there: a re-run finds them, and still holds).
std::string listing_hash(const std::string& dir, const std::vector<std::string>& names,
                         const std::set<std::string>& created);

} // namespace boocode::step_cache
