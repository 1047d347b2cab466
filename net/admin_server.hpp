#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

#include "runtime/admin/admin_service.hpp"

namespace boocode::net {

struct admin_server_options {
  std::string host = "127.0.0.1";
  uint16_t port = 8081;
  /// Every call must carry it; empty: none needed (loopback only).
  std::string token;
  std::shared_ptr<spdlog::logger> log;
  /// TLS with this PEM certificate chain and key; empty: plain.
  std::filesystem::path tls_cert{};
  std::filesystem::path tls_key{};
};

/// Compares two tokens in time independent of where they differ.
bool same_token(std::string_view a, std::string_view b);

/// The admin port (net/admin.capnp) on its own thread and KJ event loop. Each
/// call is checked (token), logged when it changes something (caller and
/// what), and answered by `service` on a worker thread, so a slow call (a
/// migration waiting for a turn boundary) holds up no other.
class admin_server {
public:
  admin_server(admin_server_options opts, admin::admin_service& service);
  ~admin_server();
  admin_server(const admin_server&) = delete;
  admin_server& operator=(const admin_server&) = delete;

  /// Listens; the port (the real one when 0 was asked). Throws
  /// std::runtime_error when it cannot.
  uint16_t start();
  /// Stops listening and waits for calls in progress; idempotent.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace boocode::net
