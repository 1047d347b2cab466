#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "runtime/model/cache_break.hpp"

// A model call's prompt cache as JSON (docs/api.md, "Prompt cache"): the
// `prompt_cache` member of a model call's trace and model_trace_finish frame.

namespace boocode::protocol {

/// {"segments": [...], "stop", "prompt_tokens", "cached_tokens",
/// "cache_write_tokens", "hit_rate", "cost_usd", "break": {...} or null}.
std::string prompt_cache_json(const model::cache_report& r);

/// The message hashes as the trace stores them: 8 hex digits each.
std::string message_hashes_text(const std::vector<uint32_t>& hashes);
std::vector<uint32_t> message_hashes_from(std::string_view text);

/// An agent's previous call as its stored trace tells it: the model's name,
/// the `prompt_cache` member, the stored message hashes, when it ended and
/// the trace's id; nothing when the member is not a prompt cache's.
std::optional<model::prior_call> prior_call_from(std::string model,
                                                 const nlohmann::json& prompt_cache,
                                                 std::string_view message_hashes,
                                                 int64_t finished_us, std::string trace_id);

} // namespace boocode::protocol
