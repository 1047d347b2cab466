#include "runtime/model/conversation.hpp"

#include "runtime/model/cache_shape.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace boocode::model {

namespace {

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// What a model that is not sent an image reads in its place, as a text part.
std::string image_note(const image_ref& img, std::string_view why) {
  return R"({"type":"text","text":)" + dump(image_note_text(img, why)) + "}";
}

constexpr std::string_view image_part_open = R"({"type":"image_url","image_url":{"url":")";
constexpr std::string_view image_part_close = R"("}})";

} // namespace

std::string image_note_text(const image_ref& img, std::string_view why) {
  return fmt::format("[image {} ({}, {}x{} px) was attached here but is not shown: {}]",
                     img.name.empty() ? img.id : img.name, img.media_type, img.width, img.height,
                     why);
}

conversation::conversation(std::vector<chat_message> messages) {
  messages_.reserve(messages.size());
  for (auto& m : messages)
    append(std::move(m));
}

void conversation::append(chat_message m) {
  if (m.role != "tool" && !tool_images_.empty()) {
    std::vector<image_slot> slots;
    auto offset = json_.size();
    json_ += tool_images_json(slots);
    for (auto& slot : slots)
      slots_.push_back({slot.begin + offset, slot.end + offset, slot.message, slot.image});
    tool_images_.clear();
  }
  if (!json_.empty())
    json_ += ',';
  if (m.role == "tool" && !m.images.empty())
    tool_images_.push_back(messages_.size());
  auto from = ends_.empty() ? 0 : ends_.back();
  json_ += message_json(m, &slots_, json_.size(), messages_.size());
  chain_.push_back(
    chain_hash(chain_.empty() ? 0 : chain_.back(), std::string_view{json_}.substr(from)));
  ends_.push_back(json_.size());
  messages_.push_back(std::move(m));
}

std::vector<const image_ref*> conversation::images() const {
  std::vector<const image_ref*> out;
  out.reserve(slots_.size());
  for (const auto& slot : slots_)
    out.push_back(&image_of(slot));
  for (auto index : tool_images_)
    for (const auto& img : messages_[index].images)
      out.push_back(&img);
  return out;
}

std::string conversation::tool_images_json(std::vector<image_slot>& slots) const {
  if (tool_images_.empty())
    return {};
  std::string out = R"(,{"role":"user","content":[)";
  for (auto index : tool_images_) {
    const auto& m = messages_[index];
    for (size_t i = 0; i < m.images.size(); ++i) {
      if (out.back() != '[')
        out += ',';
      const auto& img = m.images[i];
      out += R"({"type":"text","text":)" +
             dump(fmt::format("The image tool call {} opened ({}):", m.tool_call_id,
                              img.name.empty() ? img.id : img.name)) +
             "},";
      auto begin = out.size();
      out.append(image_part_open).append("attachment:" + img.id).append(image_part_close);
      slots.push_back({begin, out.size(), index, i});
    }
  }
  return out + "]}";
}

bool conversation::has_images_from(size_t from) const {
  return (!slots_.empty() && slots_.back().message >= from) ||
         (!tool_images_.empty() && tool_images_.back() >= from);
}

std::string message_json(const chat_message& m, std::vector<image_slot>* slots, size_t offset,
                         size_t index) {
  if (m.role == "user" && !m.images.empty()) { // a tool's images follow its results
    std::string out = R"({"role":"user","content":[)";
    if (!m.content.empty())
      out += R"({"type":"text","text":)" + dump(m.content) + "}";
    for (size_t i = 0; i < m.images.size(); ++i) {
      if (out.back() != '[')
        out += ',';
      auto begin = offset + out.size();
      out.append(image_part_open).append("attachment:" + m.images[i].id).append(image_part_close);
      if (slots != nullptr)
        slots->push_back({begin, offset + out.size(), index, i});
    }
    return out + "]}";
  }
  nlohmann::json j{{"role", m.role}};
  if (m.role == "assistant" && !m.tool_calls.empty()) {
    j["content"] = m.content.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.content);
    auto calls = nlohmann::json::array();
    for (auto& c : m.tool_calls)
      calls.push_back({{"id", c.id},
                       {"type", "function"},
                       {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
    j["tool_calls"] = std::move(calls);
  } else {
    j["content"] = m.content;
  }
  if (m.role == "tool")
    j["tool_call_id"] = m.tool_call_id;
  return dump(j);
}

request_body::request_body(const std::string& model, const model_request& req, bool cache_key)
  : tail("]}") {
  const auto& conv = req.messages;
  std::string_view text = conv.json_items();
  add_parts(req, text, conv.image_slots());
  std::vector<image_slot> trailing_slots;
  auto trailing = conv.tool_images_json(trailing_slots);
  if (!trailing.empty())
    add_parts(req, owned_.emplace_back(std::move(trailing)), trailing_slots);
  head.reserve(req.tools_json.size() + req.system.size() + model.size() + 160);
  head += "{\"model\":";
  head += dump(req.model.empty() ? model : std::string(req.model));
  head += ",\"stream\":true,\"stream_options\":{\"include_usage\":true}";
  if (cache_key && !req.cache_key.empty()) {
    head += ",\"prompt_cache_key\":";
    head += dump(std::string(req.cache_key));
  }
  if (!req.tools_json.empty() && req.tools_json != "[]") {
    head += ",\"tools\":";
    head += req.tools_json;
  }
  head += ",\"messages\":[";
  if (!req.system.empty()) {
    head += message_json({"system", std::string(req.system), "", {}, "", {}});
    if (!text.empty())
      head += ',';
  }
}

void request_body::add_parts(const model_request& req, std::string_view text,
                             const std::vector<image_slot>& slots) {
  const auto& conv = req.messages;
  size_t at = 0;
  for (const auto& slot : slots) {
    messages.push_back(text.substr(at, slot.begin - at));
    at = slot.end;
    const auto& img = conv.image_of(slot);
    if (req.images == nullptr || !req.images->send) {
      messages.push_back(owned_.emplace_back(image_note(img, "this model does not accept images")));
      continue;
    }
    auto found = req.images->data_urls.find(img.sha256);
    if (found == req.images->data_urls.end() || !found->second) {
      messages.push_back(owned_.emplace_back(image_note(img, "it is no longer stored")));
      continue;
    }
    const auto& url = *found->second;
    messages.insert(messages.end(), {image_part_open, url, image_part_close});
    auto comma = url.find(';');
    images.push_back(
      {img.sha256, url.substr(5, comma == std::string::npos ? 0 : comma - 5), url.size()});
  }
  messages.push_back(text.substr(at));
}

size_t request_body::size() const {
  size_t n = head.size() + tail.size();
  for (auto part : messages)
    n += part.size();
  return n;
}

std::string request_body::joined() const {
  std::string out;
  out.reserve(size());
  out.append(head);
  for (auto part : messages)
    out.append(part);
  out.append(tail);
  return out;
}

} // namespace boocode::model
