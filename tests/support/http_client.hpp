#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace boocode::test {

/// Where a server listens, from "http://HOST:PORT".
struct endpoint {
  std::string host;
  uint16_t port = 0;
  static endpoint from_url(const std::string& url);
};

struct http_result {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers; // lower-case names
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

/// One HTTP/1.1 request over a fresh connection; throws on network errors
/// or when no answer arrives within `timeout`.
http_result http_call(const endpoint& to, const std::string& method, const std::string& target,
                      const std::string& body = "",
                      const std::vector<std::pair<std::string, std::string>>& headers = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// Writes `bytes` as they are and returns everything the server sends until
/// it closes the connection (or `timeout` passes). For malformed requests.
std::string raw_exchange(const endpoint& to, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// A WebSocket client for tests. Every read waits at most its timeout.
class ws_client {
public:
  /// Throws when the server refuses the upgrade (e.g. 401 without a token).
  ws_client(const endpoint& to, const std::string& target = "/ws",
            const std::vector<std::pair<std::string, std::string>>& headers = {});
  ~ws_client();

  void send_text(const std::string& text);

  /// The next text frame, or nothing if the connection closed or timed out.
  std::optional<std::string>
  read_text(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Reads until the server closes; returns its close code, or nothing on
  /// timeout or a connection that dropped without a close frame.
  std::optional<uint16_t>
  wait_for_close(std::chrono::milliseconds timeout = std::chrono::seconds(10));

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace boocode::test
