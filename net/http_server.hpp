#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "net/http_types.hpp"
#include "runtime/chat/service.hpp"
#include "runtime/metrics/registry.hpp"

namespace boocode::net {

/// One open WebSocket, as the rest of the node sees it: also the frame sink
/// chats send to. Thread-safe: sends and closes are queued onto the
/// connection's strand.
class ws_connection : public chat::frame_sink {
public:
  /// Queues a text frame; dropped silently once the connection is closing.
  virtual void send_text(std::string text) = 0;
  /// Queues text frames in order, with one hand-over to the connection's strand.
  virtual void send_texts(std::vector<std::string> texts) = 0;
  void send_frame(std::string json) override { send_text(std::move(json)); }
  void send_frames(std::vector<std::string> frames) override { send_texts(std::move(frames)); }
  /// Sends a close frame with `code` after the queued frames.
  virtual void close(uint16_t code, std::string reason) = 0;
  /// Who opened it, as the upgrade's admission said.
  virtual const chat::caller& caller() const = 0;
};

/// Callbacks for WebSocket traffic on /ws; run on the server's handler
/// threads, one at a time and in order per connection.
struct ws_handler {
  std::function<void(const std::shared_ptr<ws_connection>&)> on_open;
  std::function<void(const std::shared_ptr<ws_connection>&, std::string)> on_text;
  std::function<void(const std::shared_ptr<ws_connection>&)> on_close;
};

struct http_server_options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  uint64_t max_body_bytes = 16ull << 20;
  /// An image upload's body (POST .../attachments) may be this large
  /// instead (0: max_body_bytes too).
  uint64_t upload_body_bytes = 0;
  std::filesystem::path web_dir;
  int threads = 2; // I/O: reading, writing, frames
  /// Run the API handlers and WebSocket callbacks, which may block on the
  /// database (the I/O threads never do).
  int handler_threads = 8;
  std::shared_ptr<spdlog::logger> log;
  /// Decides, on a handler thread, whether a WebSocket upgrade may proceed:
  /// an answer refuses it; otherwise it sets the request's user and role,
  /// which the connection keeps. Unset: every upgrade proceeds as "local".
  std::function<std::optional<http_response>(http_request&)> admit_upgrade;
  /// PEM certificate chain and key: serve HTTPS and WSS. Empty: plain HTTP.
  std::filesystem::path tls_cert;
  std::filesystem::path tls_key;
  /// Counts the open WebSocket connections and the frames queued on them.
  metrics::gauge ws_connections;
  metrics::counter ws_frames;
};

/// The node's HTTP + WebSocket server (Boost.Beast). /api/... goes to
/// `api` (on a handler thread; the answer is written on the I/O threads),
/// /ws upgrades to a WebSocket, everything else is the web app.
/// Malformed requests get 400, bodies over the limit 413, headers over 64 KiB 431.
class http_server {
public:
  using api_handler = std::function<http_response(const http_request&)>;

  /// Throws std::runtime_error when the TLS certificate or key cannot be loaded.
  http_server(http_server_options opts, api_handler api, ws_handler ws);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds, starts the threads and returns the port it listens on.
  /// Throws std::runtime_error if the address cannot be bound.
  uint16_t start();

  /// Stops accepting, closes WebSockets with 1001 (going away), ends HTTP
  /// connections, and joins the threads; waits at most `grace` for
  /// connections to close. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));

  /// Loads the certificate and key again (after they were renewed): new
  /// connections get them, open ones keep theirs. Throws std::runtime_error
  /// (and keeps the old ones) when they cannot be loaded.
  void reload_tls();

  /// The number of open WebSocket connections.
  size_t websocket_count() const;

  /// Implementation detail, public only so the sessions in the .cpp can name it.
  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace boocode::net
