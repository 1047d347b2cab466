#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/http_client.hpp"

namespace boocode::test {

/// scripts/certs-init DIR NAME...: a CA in DIR (made once) and a certificate
/// and key per name; throws when the script fails.
void make_test_certs(const std::filesystem::path& dir, const std::vector<std::string>& names);

/// One HTTPS request, verifying the server's certificate against `ca_file`
/// (and its name against to.host); throws when the handshake or the request
/// fails, or nothing arrives within `timeout`.
http_result https_call(const endpoint& to, const std::filesystem::path& ca_file,
                       const std::string& method, const std::string& target,
                       const std::string& body = "",
                       const std::vector<std::pair<std::string, std::string>>& headers = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// Opens a WSS connection (verified against `ca_file`) to /ws and returns the
/// first text frame the server sends; throws when any step fails.
std::string wss_first_frame(const endpoint& to, const std::filesystem::path& ca_file,
                            const std::vector<std::pair<std::string, std::string>>& headers = {},
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// The serial number (hex) of the certificate the server at `to` presents
/// (not verified).
std::string served_certificate_serial(const endpoint& to,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

} // namespace boocode::test
