#pragma once

#include <chrono>
#include <string>

#include "runtime/model/conversation.hpp"

// A model call in Anthropic's Messages wire format (POST /v1/messages,
// docs/configuration.md, "Anthropic").

namespace boocode::model {

struct anthropic_options {
  /// The cache breakpoints' lifetime: 5 min (the default) or 1 h.
  std::chrono::seconds cache_ttl{300};
  /// The reply's length limit (required by the API).
  int max_tokens = 8192;
};

/// The request body of a streamed Messages call for `req`:
/// - the tools' schemas as {name, description, input_schema}, then the
///   system prompt as one text block;
/// - the conversation as alternating user and assistant turns: an
///   assistant's tool calls are tool_use blocks, and the tool results that
///   follow (with the images a tool opened) are tool_result blocks of one
///   user turn, followed by whatever user text comes next;
/// - images as base64 blocks, their data sent from the payload's data URLs
///   where they are (not copied); an image not sent is a text note;
/// - at most four cache_control breakpoints: the last tool, the system
///   prompt, the newest turn and the user turn before it, so each call
///   reads the prefix the previous one wrote.
/// The same conversation gives the same bytes.
request_body anthropic_request(const std::string& model, const model_request& req,
                               const anthropic_options& o);

} // namespace boocode::model
