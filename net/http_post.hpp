#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "net/model_http.hpp"

namespace boocode::net {

/// What a POST came to: the status (0: no answer) and body, or why it failed.
struct post_result {
  int status = 0;
  std::string body;
  std::string error; // a network or TLS failure; empty when answered
};

/// POSTs `body` to `url` (http or https, the server's certificate checked
/// against the system's roots) and waits at most `timeout` for the whole
/// exchange. Blocks: for a thread of its own (the span exporter's), never
/// an I/O or actor thread. One connection per call.
post_result http_post(const parsed_url& url, const std::string& content_type, std::string body,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      std::chrono::milliseconds timeout);

} // namespace boocode::net
