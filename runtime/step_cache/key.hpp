#pragma once

// A workflow step's cache key (docs/workflows.md, "The step cache"): the
// SHA-256 of everything that shapes its work, and its occurrence among
// identical calls of its run.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace boocode::step_cache {

/// What shapes a step's work besides its agent() options.
struct step_context {
  std::string model;              // the model it will call (the node's when the call names none)
  std::string system_prompt;      // the text it starts from
  std::vector<std::string> tools; // the tool names it may call
  std::string workspace;          // the workspace's identity (its canonical path)
};

/// The canonical spec the key hashes, from agent()'s options: prompt,
/// schema, model, system prompt (its hash), tools, maxTurns, effort,
/// temperature and workspace. Its label and phase do not count.
nlohmann::json key_spec(const nlohmann::json& options, const step_context& ctx);

/// The spec's own hash (identical calls share it).
std::string spec_digest(const nlohmann::json& spec);

/// The key of the `occurrence`-th call (from 0) of a run with this digest.
std::string cache_key(const std::string& digest, int occurrence);

/// The first of the spec's fields (in key_spec's order) that differs
/// between `before` and `now`; empty when none does.
std::string changed_field(const nlohmann::json& before, const nlohmann::json& now);

} // namespace boocode::step_cache
