#pragma once

#include <chrono>
#include <string>
#include <variant>
#include <vector>

#include "runtime/cancel_token.hpp"
#include "runtime/model/chat_stream.hpp"
#include "runtime/model/conversation.hpp"

namespace boocode::model {

/// The wire protocol a model endpoint speaks.
enum class wire_format {
  openai,    // chat completions (/chat/completions): DeepSeek, OpenAI, vLLM, Ollama, llama.cpp
  anthropic, // Anthropic's Messages (/messages)
};

/// Why a model call failed.
struct model_error {
  enum class kind { network, timeout, http_status, protocol, cancelled, config } what;
  int status = 0; // the HTTP status for http_status
  std::string message;
  int attempts = 0;
};

std::string to_string(model_error::kind k);

/// Whether `err` is an endpoint saying it does not take images: DeepSeek's
/// 400 "unknown variant `image_url`", vLLM's "is not a multimodal model",
/// Ollama's "does not support image input", llama.cpp's 500 about a missing
/// mmproj, OpenAI's "image_url is only supported by certain models", ...
bool refuses_images(const model_error& err);

using model_result = std::variant<model_reply, model_error>;

/// Something that answers chat-completion calls: the OpenAI-compatible HTTP
/// client (net/model_client) or the scripted provider. Calls block; make them
/// from a thread of their own, never from a CAF scheduler thread.
class model_provider {
public:
  virtual ~model_provider() = default;

  /// One model call; deltas go to `cb` as they arrive. `cancel` (may be
  /// null) is honoured within a few milliseconds with kind::cancelled.
  virtual model_result complete(const model_request& req, const stream_callbacks& cb,
                                const cancel_token* cancel) = 0;

  /// For logs and the start-up banner, e.g. "deepseek-chat at https://api.deepseek.com/v1".
  virtual std::string describe() const = 0;

  /// The model's name, for traces ("deepseek-chat"; "scripted" for the scripted provider).
  virtual std::string model_name() const = 0;

  /// How long the endpoint keeps a prompt prefix nobody uses: a cache break
  /// after this much idle time is named expiry, before it eviction.
  virtual std::chrono::seconds prompt_cache_ttl() const { return std::chrono::minutes(5); }
};

} // namespace boocode::model
