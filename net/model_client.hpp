#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "runtime/model/provider.hpp"

namespace boocode::net {

/// A model endpoint: OpenAI-compatible chat completions (DeepSeek, OpenAI,
/// vLLM, Ollama, llama.cpp) or Anthropic's Messages.
struct model_endpoint {
  /// Up to the API version, e.g. https://api.deepseek.com/v1 or
  /// http://127.0.0.1:11434/v1; "/chat/completions" is appended (Anthropic:
  /// https://api.anthropic.com/v1, and "/messages").
  std::string base_url;
  /// Sent as "Authorization: Bearer ..." (Anthropic: "x-api-key"); never
  /// logged. Empty: no header.
  std::string api_key;
  model::wire_format wire = model::wire_format::openai;
  /// Anthropic: the reply's length limit (the API requires one), and how
  /// long its cache breakpoints keep a prefix (5 min, or 1 h).
  int max_tokens = 8192;
  std::chrono::seconds breakpoint_ttl{300};
  std::string model;
  std::chrono::milliseconds connect_timeout{10000};
  /// Longest silence allowed between two reads of a response.
  std::chrono::milliseconds idle_timeout{60000};
  int max_attempts = 4;
  std::chrono::milliseconds backoff_base{500};
  std::chrono::milliseconds backoff_max{8000};
  /// Send each request's cache key as `prompt_cache_key` (OpenAI routes
  /// calls with the same key to where their prefix is cached).
  bool prompt_cache_key = false;
  /// How long the endpoint keeps a prompt prefix nobody uses.
  std::chrono::seconds cache_ttl{300};
  /// Extra CA file for https (self-signed servers); the system store is always used.
  std::string ca_file;
};

/// Whether `base_url` is OpenAI's own API (which takes prompt_cache_key).
bool is_openai_endpoint(std::string_view base_url);

using model::model_error;
using model::model_result;

/// Calls a chat-completions endpoint with stream=true and usage included,
/// delivering deltas through the callbacks as they arrive. Retries 429, 5xx
/// and dropped connections with jittered exponential backoff (honouring
/// Retry-After) as long as nothing of the reply was delivered yet. Blocking:
/// call it from a thread of its own, never from a CAF scheduler thread.
/// Thread-safe. Connections are kept alive and reused (TLS sessions
/// resumed); a kept connection the server dropped while idle is replaced at
/// once, without counting as an attempt. The calling thread does the call's
/// I/O itself (each connection has an I/O context of its own): the client
/// has no threads.
class model_client final : public model::model_provider {
public:
  model_client(model_endpoint ep, std::shared_ptr<spdlog::logger> log);
  ~model_client() override;

  /// One model call. `cancel` (may be null) is checked every few
  /// milliseconds; raising it closes the connection and returns `cancelled`.
  model_result complete(const model::model_request& req, const model::stream_callbacks& cb,
                        const cancel_token* cancel) override;

  std::string describe() const override;
  std::string model_name() const override;
  std::chrono::seconds prompt_cache_ttl() const override { return ep_.cache_ttl; }

  const model_endpoint& endpoint() const { return ep_; }

  struct pool_stats {
    size_t opened = 0; // connections opened so far
    size_t idle = 0;   // kept alive now, waiting for a call
  };
  pool_stats connections() const;

private:
  struct impl;
  model_endpoint ep_;
  std::unique_ptr<impl> impl_;
};

} // namespace boocode::net
