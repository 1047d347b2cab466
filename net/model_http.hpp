#pragma once

// The model client's HTTP-independent parts: URLs, what an attempt came to,
// Retry-After, non-streamed replies, error messages. Internal to net/ (no
// Beast here: it stays in model_client.cpp).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/model/chat_stream.hpp"

namespace boocode::net {

/// An endpoint URL taken apart.
struct parsed_url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path; // without trailing slash
};

/// http(s)://host[:port][/path], IPv6 hosts in brackets; none if malformed.
std::optional<parsed_url> parse_url(std::string_view url);

/// What one attempt came to.
struct attempt_result {
  int status = 0;
  std::string body; // error body, or a non-streamed JSON reply
  std::optional<std::chrono::milliseconds> retry_after;
  bool delivered = false; // a delta reached the callbacks: retrying would repeat it
  bool complete = false;
  bool timed_out = false;
  std::string network_error;
  std::optional<std::string> protocol_error;
};

/// A Retry-After header in seconds (at most an hour); none for HTTP dates.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view v);

/// The message for an attempt the endpoint answered with an error status.
std::string error_message_of(const attempt_result& r);

} // namespace boocode::net
