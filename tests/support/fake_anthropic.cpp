#include "tests/support/fake_anthropic.hpp"

#include <fmt/format.h>

namespace boocode::test {

namespace {

using json = nlohmann::json;

std::string event(const json& data) {
  return "event: " + data["type"].get<std::string>() + "\ndata: " + data.dump() + "\n\n";
}

std::string stop_reason(const fake_reply& r) {
  if (!r.finish_reason.empty())
    return r.finish_reason == "length" ? "max_tokens" : r.finish_reason;
  return r.tool_calls.empty() ? "end_turn" : "tool_use";
}

/// The usage message_start carries: the prompt's, and no output yet.
json start_usage(const fake_reply& r) {
  json u = r.usage.is_object() ? r.usage
                               : json{{"input_tokens", 10},
                                      {"cache_creation_input_tokens", 0},
                                      {"cache_read_input_tokens", 0}};
  u["output_tokens"] = 1;
  return u;
}

uint64_t output_tokens(const fake_reply& r) {
  if (r.usage.is_object() && r.usage.contains("output_tokens"))
    return r.usage["output_tokens"].get<uint64_t>();
  return r.text.size() / 4 + 1;
}

} // namespace

std::vector<std::string> anthropic_events(const fake_reply& r) {
  std::vector<std::string> out;
  out.push_back(event({{"type", "message_start"},
                       {"message",
                        {{"id", "msg_fake"},
                         {"type", "message"},
                         {"role", "assistant"},
                         {"model", "fake"},
                         {"content", json::array()},
                         {"stop_reason", nullptr},
                         {"stop_sequence", nullptr},
                         {"usage", start_usage(r)}}}}));
  int index = 0;
  auto block = [&](const json& start, const char* delta_type, const char* field,
                   const std::string& text) {
    out.push_back(
      event({{"type", "content_block_start"}, {"index", index}, {"content_block", start}}));
    for (size_t i = 0; i < text.size(); i += r.piece)
      out.push_back(event({{"type", "content_block_delta"},
                           {"index", index},
                           {"delta", {{"type", delta_type}, {field, text.substr(i, r.piece)}}}}));
    out.push_back(event({{"type", "content_block_stop"}, {"index", index}}));
    ++index;
  };
  if (!r.reasoning.empty())
    block({{"type", "thinking"}, {"thinking", ""}}, "thinking_delta", "thinking", r.reasoning);
  if (!r.text.empty())
    block({{"type", "text"}, {"text", ""}}, "text_delta", "text", r.text);
  for (size_t c = 0; c < r.tool_calls.size(); ++c)
    block({{"type", "tool_use"},
           {"id", fmt::format("toolu_{}", c)},
           {"name", r.tool_calls[c].first},
           {"input", json::object()}},
          "input_json_delta", "partial_json", r.tool_calls[c].second);
  out.push_back(event({{"type", "ping"}}));
  out.push_back(event({{"type", "message_delta"},
                       {"delta", {{"stop_reason", stop_reason(r)}, {"stop_sequence", nullptr}}},
                       {"usage", {{"output_tokens", output_tokens(r)}}}}));
  out.push_back(event({{"type", "message_stop"}}));
  return out;
}

std::string anthropic_whole_body(const fake_reply& r) {
  auto content = json::array();
  if (!r.text.empty())
    content.push_back({{"type", "text"}, {"text", r.text}});
  for (size_t c = 0; c < r.tool_calls.size(); ++c)
    content.push_back({{"type", "tool_use"},
                       {"id", fmt::format("toolu_{}", c)},
                       {"name", r.tool_calls[c].first},
                       {"input", json::parse(r.tool_calls[c].second, nullptr, false)}});
  auto usage = start_usage(r);
  usage["output_tokens"] = output_tokens(r);
  return json{{"id", "msg_fake"}, {"type", "message"},  {"role", "assistant"},
              {"model", "fake"},  {"content", content}, {"stop_reason", stop_reason(r)},
              {"usage", usage}}
    .dump();
}

std::string anthropic_error_body(int status) {
  auto type = status == 429   ? "rate_limit_error"
              : status == 529 ? "overloaded_error"
              : status >= 500 ? "api_error"
                              : "invalid_request_error";
  return json{{"type", "error"},
              {"error", {{"type", type}, {"message", fmt::format("fake error {}", status)}}}}
    .dump();
}

} // namespace boocode::test
