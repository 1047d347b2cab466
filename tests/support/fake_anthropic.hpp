#pragma once

#include <string>
#include <vector>

#include "tests/support/fake_model_server.hpp"

// The fake model server's replies in Anthropic's Messages wire format.

namespace boocode::test {

/// The server-sent events of `r` streamed as Anthropic does: message_start
/// (with the prompt's usage), a thinking block for the reasoning, a text
/// block, one tool_use block per call (its input in partial_json pieces),
/// message_delta (stop reason, output tokens), message_stop; each a full
/// "event: ...\ndata: ...\n\n".
std::vector<std::string> anthropic_events(const fake_reply& r);

/// `r` as one Message object (a reply not streamed).
std::string anthropic_whole_body(const fake_reply& r);

/// An error body as Anthropic sends it.
std::string anthropic_error_body(int status);

} // namespace boocode::test
