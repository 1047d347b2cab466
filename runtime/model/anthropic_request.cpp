#include "runtime/model/anthropic_request.hpp"

#include <nlohmann/json.hpp>

namespace boocode::model {

namespace {

using json = nlohmann::json;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// One content block: its JSON text, or an image's text around its base64
/// data, which is sent from where it is.
struct block {
  std::string json;
  std::string_view data; // an image's (empty: none)
  std::string after;     // an image's text after its data
};

/// One user or assistant turn: tool results first (the API wants them
/// first), then everything else.
struct turn {
  std::string role;
  std::vector<block> results;
  std::vector<block> rest;
  block* last() {
    if (!rest.empty())
      return &rest.back();
    return results.empty() ? nullptr : &results.back();
  }
};

turn& open(std::vector<turn>& turns, const char* role) {
  if (turns.empty() || turns.back().role != role)
    turns.push_back({role, {}, {}});
  return turns.back();
}

block text_block(std::string_view text) {
  return {dump({{"type", "text"}, {"text", text}}), {}, {}};
}

/// `img` as a block: its data, or a note when it is not sent.
block image_block(const image_ref& img, const model_request& req, request_body& body) {
  if (req.images == nullptr || !req.images->send)
    return text_block(image_note_text(img, "this model does not accept images"));
  auto found = req.images->data_urls.find(img.sha256);
  if (found == req.images->data_urls.end() || !found->second)
    return text_block(image_note_text(img, "it is no longer stored"));
  std::string_view url = *found->second; // data:<type>;base64,<data>
  auto semi = url.find(';');
  auto comma = url.find(',');
  if (!url.starts_with("data:") || semi == std::string_view::npos ||
      comma == std::string_view::npos || semi > comma)
    return text_block(image_note_text(img, "it is no longer stored"));
  auto media = url.substr(5, semi - 5);
  body.images.push_back({img.sha256, std::string(media), url.size()});
  return {R"({"source":{"data":")", url.substr(comma + 1),
          R"(","media_type":)" + dump(std::string(media)) + R"(,"type":"base64"},"type":"image"})"};
}

/// Marks `b` as a cache breakpoint.
void mark(block& b, const std::string& cache_control) {
  auto& text = b.data.empty() ? b.json : b.after;
  text.insert(text.size() - 1, ",\"cache_control\":" + cache_control);
}

std::vector<turn> turns_of(const model_request& req, request_body& body) {
  std::vector<turn> turns;
  for (const auto& m : req.messages.messages()) {
    if (m.role == "assistant") {
      auto& t = open(turns, "assistant");
      if (!m.content.empty())
        t.rest.push_back(text_block(m.content));
      for (const auto& c : m.tool_calls) {
        auto input = json::parse(c.arguments.empty() ? "{}" : c.arguments, nullptr, false);
        if (!input.is_object())
          input = json::object(); // the API takes an object only; the tool reported the error
        t.rest.push_back(
          {dump({{"type", "tool_use"}, {"id", c.id}, {"name", c.name}, {"input", input}}), {}, {}});
      }
      if (t.rest.empty())
        t.rest.push_back(text_block("(no answer)"));
    } else if (m.role == "tool") {
      auto& t = open(turns, "user");
      t.results.push_back({dump({{"type", "tool_result"},
                                 {"tool_use_id", m.tool_call_id},
                                 {"content", m.content.empty() ? "(no output)" : m.content}}),
                           {},
                           {}});
      for (const auto& img : m.images) {
        t.rest.push_back(text_block("The image tool call " + m.tool_call_id + " opened (" +
                                    (img.name.empty() ? img.id : img.name) + "):"));
        t.rest.push_back(image_block(img, req, body));
      }
    } else { // user (a system message, should one appear, is the user's text)
      auto& t = open(turns, "user");
      if (!m.content.empty())
        t.rest.push_back(text_block(m.content));
      for (const auto& img : m.images)
        t.rest.push_back(image_block(img, req, body));
      if (t.last() == nullptr)
        t.rest.push_back(text_block("(empty message)"));
    }
  }
  return turns;
}

/// The tools' schemas in the Messages shape, the last one a breakpoint.
std::string tools_json(std::string_view openai_tools, const std::string& cache_control) {
  auto tools = json::parse(openai_tools, nullptr, false);
  if (!tools.is_array() || tools.empty())
    return {};
  auto out = json::array();
  for (const auto& t : tools) {
    const auto& fn = t.contains("function") ? t["function"] : t;
    json one{{"name", fn.value("name", "")},
             {"input_schema", fn.value("parameters", json{{"type", "object"}})}};
    if (fn.contains("description"))
      one["description"] = fn["description"];
    out.push_back(std::move(one));
  }
  out.back()["cache_control"] = json::parse(cache_control);
  return dump(out);
}

} // namespace

request_body anthropic_request(const std::string& model, const model_request& req,
                               const anthropic_options& o) {
  request_body body;
  auto cache_control = o.cache_ttl >= std::chrono::hours(1)
                         ? std::string(R"({"ttl":"1h","type":"ephemeral"})")
                         : std::string(R"({"type":"ephemeral"})");
  auto turns = turns_of(req, body);
  // The newest turn and the user turn before it: what this call writes and
  // what the previous call wrote.
  if (!turns.empty()) {
    mark(*turns.back().last(), cache_control);
    for (size_t i = turns.size() - 1; i-- > 0;)
      if (turns[i].role == "user") {
        mark(*turns[i].last(), cache_control);
        break;
      }
  }
  auto& head = body.head;
  head = "{\"model\":" + dump(req.model.empty() ? model : std::string(req.model)) +
         ",\"max_tokens\":" + std::to_string(o.max_tokens) + ",\"stream\":true";
  if (auto tools = tools_json(req.tools_json, cache_control); !tools.empty())
    head += ",\"tools\":" + tools;
  if (!req.system.empty())
    head +=
      ",\"system\":[" +
      dump(
        {{"type", "text"}, {"text", req.system}, {"cache_control", json::parse(cache_control)}}) +
      "]";
  head += ",\"messages\":[";
  std::string text;
  auto add = [&](const block& b) {
    text += b.json;
    if (b.data.empty())
      return;
    body.messages.push_back(body.keep(std::exchange(text, {})));
    body.messages.push_back(b.data);
    text = b.after;
  };
  for (size_t i = 0; i < turns.size(); ++i) {
    text += i == 0 ? "{\"role\":\"" : ",{\"role\":\"";
    text += turns[i].role + "\",\"content\":[";
    bool first = true;
    for (auto* part : {&turns[i].results, &turns[i].rest})
      for (const auto& b : *part) {
        if (!std::exchange(first, false))
          text += ',';
        add(b);
      }
    text += "]}";
  }
  body.messages.push_back(body.keep(std::move(text)));
  body.tail = "]}";
  return body;
}

} // namespace boocode::model
