#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "runtime/agent/vision.hpp"
#include "runtime/model/cache_break.hpp"
#include "runtime/model/prices.hpp"
#include "runtime/model/provider.hpp"
#include "runtime/tools/tool_result.hpp"

namespace boocode::agent {

// What an agent is: the kernel (runtime/agent/kernel) runs chats, subagents
// and workflow steps alike from a spec; only the spec differs by kind.

/// Bounds on one turn. Zero: no bound. A turn over a bound ends with the
/// error `over_budget` (model calls: `too_many_steps`) before its next
/// model call; a reply already asked for is still stored and its tools run.
struct limits {
  int max_model_calls = 50;
  /// Prompt plus completion tokens over the turn's model calls.
  int64_t max_tokens = 0;
  /// Wall time of one run of the turn (a resumed turn starts again).
  std::chrono::milliseconds max_wall{0};
};

/// The tools an agent may call. Injected per agent, so each kind of agent
/// gets its own set (a subagent fewer tools, a workflow step none).
class tool_set {
public:
  virtual ~tool_set() = default;
  /// The schemas as the model is told them: a JSON array's text, the same
  /// bytes on every call (the provider's prompt cache keys on them).
  virtual const std::string& schemas_json() const = 0;
  /// How many tools the schemas name (for traces).
  virtual std::size_t size() const = 0;
  /// Whether `name` only reads, so a call interrupted by a crash may run
  /// again; nothing for a tool it does not have.
  virtual std::optional<bool> is_read_only(const std::string& name) const = 0;
  /// Whether a successful call of `name` changes files (hooks such as the
  /// auto-fix build run after those).
  virtual bool changes_files(const std::string& name) const = 0;
  /// Runs `name` with its parsed arguments. `call_key` names the call: its
  /// step and the model's call id ("t2.0:call_x"), unique in its turn (some
  /// endpoints reuse call ids) and the same when a resumed turn runs it
  /// again. Blocks the calling thread; a tool's failure is a result, not an
  /// exception.
  virtual tools::tool_result run(const std::string& name, const nlohmann::json& args,
                                 const std::string& call_key) = 0;
};

class turn_hook;

/// One agent: everything the kernel needs besides the conversation and the
/// turn's side effects. The pointers are borrowed for the turn and not null
/// (hooks may be none).
struct spec {
  std::string system_prompt;
  tool_set* tools = nullptr;
  model::model_provider* model = nullptr;
  agent::limits limits{};
  /// Run in order after each reply's tool calls.
  std::vector<turn_hook*> hooks{};
  /// Another model than the provider's endpoint names ("": its own).
  std::string model_name{};
  /// How its calls send the images of its conversation (default: never).
  vision_setup vision{};
  /// Its last model call, kept between turns for the prompt cache's break
  /// check (null: kept for the turn only).
  model::cache_memory* cache = nullptr;
  /// Each call's cost by its model (null: not counted).
  const model::price_table* prices = nullptr;
  /// Sent as OpenAI's prompt_cache_key where the endpoint takes one: the
  /// agent's id, so its calls land where its prefix is cached.
  std::string cache_key{};
};

} // namespace boocode::agent
