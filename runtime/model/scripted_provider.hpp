#pragma once

#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/model/provider.hpp"

namespace boocode::model {

/// One scripted model reply: text, reasoning and tool calls.
struct script_step {
  std::string text;
  std::string reasoning;
  std::vector<tool_call> tool_calls;
  /// A provider-style usage object; null: estimated from the text (4 chars a token).
  nlohmann::json usage;
};

/// A script of model turns (format: docs/model-script.md). Turn k answers
/// the k-th user message (cycling when the script is shorter); step n of a
/// turn is the model's n-th reply within it, so replay is stateless: the
/// conversation alone says which step comes next.
struct model_script {
  std::vector<std::vector<script_step>> turns;
  /// Other agents' scripts (background subagents): a conversation whose
  /// first user message starts with `prompt_starts_with` follows `turns`
  /// of the first one that matches instead.
  struct agent {
    std::string prompt_starts_with;
    std::vector<std::vector<script_step>> turns;
  };
  std::vector<agent> agents;
  size_t piece_chars = 8;
  std::chrono::milliseconds piece_delay{15};
};

/// Parses a script; the error names the offending field.
std::variant<model_script, std::string> parse_model_script(const nlohmann::json& j);

/// Reads and parses a script file; throws std::runtime_error naming the file.
model_script load_model_script(const std::filesystem::path& file);

/// The demo script bundled into the binary (used when no model is configured).
const model_script& demo_script();

/// Replays a model_script, streaming its text in pieces.
class scripted_provider final : public model_provider {
public:
  scripted_provider(model_script script, std::string name);

  model_result complete(const model_request& req, const stream_callbacks& cb,
                        const cancel_token* cancel) override;

  std::string describe() const override;
  std::string model_name() const override { return "scripted"; }

  /// Which step answers `messages`: {turn, step} of `turns`; plain logic for tests.
  static std::pair<size_t, size_t> position(const std::vector<chat_message>& messages,
                                            size_t turns);
  /// The turns that answer `messages`: an agent's whose prompt opens them, else the script's.
  const std::vector<std::vector<script_step>>&
  turns_for(const std::vector<chat_message>& messages) const;

  /// The images each call with images sent (as the request carried them),
  /// in call order: tests check exactly what a model was sent.
  std::vector<std::vector<sent_image>> images_received() const;

private:
  model_script script_;
  std::string name_;
  mutable std::mutex received_mtx_;
  std::vector<std::vector<sent_image>> received_;
};

} // namespace boocode::model
