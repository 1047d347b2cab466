#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/fake_prompt_cache.hpp"

namespace boocode::test {

/// One scripted answer of the fake model server.
struct fake_reply {
  enum class fault {
    none,
    stall,     // send the headers and the first event, then nothing (until the server stops)
    cut,       // close the connection after `cut_after` bytes of the body, mid-chunk
    malformed, // a data: event whose JSON is broken, after the first event
  };
  int status = 200;               // 429, 500, ...: an OpenAI-style error body
  std::optional<int> retry_after; // Retry-After header, in seconds
  std::string error_body;         // with an error status: this body instead (JSON)
  std::string text;               // assistant content, streamed in small pieces
  std::string reasoning;          // DeepSeek reasoning_content, streamed first
  std::vector<std::pair<std::string, std::string>> tool_calls; // name, arguments JSON text
  nlohmann::json usage = nullptr;                              // the final usage chunk; null: none
  std::string finish_reason;             // default: tool_calls if any, else stop
  bool stream = true;                    // false: one application/json body
  size_t piece = 4;                      // characters per content/arguments delta
  std::chrono::milliseconds interval{0}; // pause between events
  /// The whole streamed body in one write, as a server that has the answer
  /// ready sends it (else one write per event). Not with interval, a fault
  /// or stamps.
  bool one_write = false;
  fault fault_kind = fault::none;
  size_t cut_after = 0;
  /// Each stamp_mark in the streamed events is replaced, as the event is
  /// sent, by the send time: steady clock microseconds, 16 digits. A client
  /// that sees the text can tell how long it took to reach it.
  bool stamped = false;
  static constexpr std::string_view stamp_mark = "################";

  static fake_reply text_reply(std::string text, nlohmann::json usage = nullptr);
  static fake_reply tool_reply(std::string name, std::string arguments_json);
  static fake_reply error(int status, std::optional<int> retry_after = std::nullopt);
  /// An error answer with the body a provider sends (e.g. its refusal of images).
  static fake_reply error_with(int status, std::string body);
};

/// The image parts of a chat-completions request body, in order: each
/// image_url part's URL (a data: URL as BooCode sends them).
std::vector<std::string> image_urls(const nlohmann::json& body);

/// A request the fake server received.
struct fake_request {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers; // names lower case
  nlohmann::json body;                                      // parsed by requests()
  std::string raw_body; // as received (empty in what requests() returns)
  std::string header(const std::string& name) const;
};

/// A fake model endpoint speaking the OpenAI chat-completions wire protocol
/// (or Anthropic's Messages, set_anthropic)
/// over real HTTP/1.1 on 127.0.0.1 (chunked SSE streams, or plain JSON).
/// Serves the enqueued replies in order, one per request; with none left it
/// answers 500. Connections are kept alive between replies (HTTP/1.1) unless
/// the client asks to close, the reply is an error or a fault, or
/// set_close_after_reply(true). Thread-safe; each connection runs on its own
/// thread.
class fake_model_server {
public:
  fake_model_server();
  ~fake_model_server();
  fake_model_server(const fake_model_server&) = delete;
  fake_model_server& operator=(const fake_model_server&) = delete;

  /// http://127.0.0.1:PORT/v1
  std::string base_url() const;
  uint16_t port() const;

  void enqueue(fake_reply reply);
  /// Answers each request by its parsed body (many agents calling at once,
  /// in no fixed order): a reply, or nothing to take the next enqueued one.
  /// Runs on the request's connection thread; it may block.
  using responder = std::function<std::optional<fake_reply>(const nlohmann::json& body)>;
  void set_responder(responder r);
  /// Speaks Anthropic's Messages format instead of chat completions: its
  /// events, its whole replies and its error bodies.
  void set_anthropic(bool on);
  /// Plays a provider's prompt cache: each reply's usage is the cache's
  /// count for the request's bytes (null: the replies' own usage).
  void set_prompt_cache(std::shared_ptr<fake_prompt_cache> cache);
  /// Drops the replies not served yet.
  void clear_replies();

  /// The requests received (the last set_request_log_limit() of them).
  std::vector<fake_request> requests() const;
  /// The bodies of the requests received, byte for byte as they came.
  std::vector<std::string> raw_bodies() const;
  /// Every request received.
  size_t request_count() const;
  /// Keeps only the last `n` requests for requests() (long benchmarks).
  void set_request_log_limit(size_t n);
  /// Closes every connection after its reply (no keep-alive).
  void set_close_after_reply(bool close);
  /// Closes the connections waiting for their next request without a word,
  /// as a server's idle timeout does; returns how many.
  size_t drop_idle_connections();
  /// Connections accepted so far.
  size_t connection_count() const;

  /// Total time spent answering requests so far, from a request's first
  /// byte received to its answer's last byte sent: the model's own time
  /// (reading the request included; it is parsed only when requests() asks,
  /// so the fake answers at once).
  std::chrono::nanoseconds busy_time() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace boocode::test
