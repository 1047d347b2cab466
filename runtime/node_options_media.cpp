#include <fmt/format.h>

#include "runtime/node_options.hpp"
#include "runtime/option_spec.hpp"
#include "runtime/option_values.hpp"

namespace boocode {

namespace {

std::optional<std::string> set_vision(node_config& c, std::string_view v) {
  if (v == "auto")
    c.model_vision = chat::vision_mode::automatic;
  else if (v == "on")
    c.model_vision = chat::vision_mode::on;
  else if (v == "off")
    c.model_vision = chat::vision_mode::off;
  else
    return "expected auto, on or off";
  return std::nullopt;
}

std::optional<std::string> set_edge(int& edge, std::string_view v) {
  auto n = to_uint(v);
  if (!n || *n < 16 || *n > 65535)
    return "expected a number of pixels from 16 to 65535";
  edge = static_cast<int>(*n);
  return std::nullopt;
}

} // namespace

const std::vector<option_spec>& media_options() {
  static const std::vector<option_spec> table = {
    {"max-attachment-bytes", "BOOCODE_MAX_ATTACHMENT_BYTES", "N",
     "largest image upload accepted (larger get 413)", "20971520",
     [](node_config& c, std::string_view v) -> std::optional<std::string> {
       auto n = to_uint(v);
       if (!n || *n == 0 || *n > (uint64_t{1} << 30))
         return "expected a number of bytes from 1 to 1073741824";
       c.attachments.max_bytes = *n;
       return std::nullopt;
     }},
    {"max-attachments", "BOOCODE_MAX_ATTACHMENTS", "N", "images one message may carry", "10",
     [](node_config& c, std::string_view v) {
       return set_count(c.attachments.max_per_message, v, 100, "images");
     }},
    {"max-image-edge", "BOOCODE_MAX_IMAGE_EDGE", "PIXELS", "images with a longer side are refused",
     "8192",
     [](node_config& c, std::string_view v) { return set_edge(c.attachments.max_edge, v); }},
    {"model-image-edge", "BOOCODE_MODEL_IMAGE_EDGE", "PIXELS",
     "larger images are downscaled once, at upload, to fit this for the model", "1568",
     [](node_config& c, std::string_view v) { return set_edge(c.attachments.model_edge, v); }},
    {"attachment-ttl", "BOOCODE_ATTACHMENT_TTL", "DURATION",
     "an upload no message refers to is deleted after this", "24h",
     [](node_config& c, std::string_view v) { return set_seconds(c.attachments.ttl, v); }},
    {"model-vision", "BOOCODE_MODEL_VISION", "auto|on|off",
     "send images to the model: auto (until it refuses them), on, off", "auto", &set_vision},
    {"vision-model-base-url", "BOOCODE_VISION_MODEL_BASE_URL", "URL",
     "an OpenAI-compatible endpoint for turns whose messages carry images", "(none)",
     [](node_config& c, std::string_view v) -> std::optional<std::string> {
       if (!v.starts_with("http://") && !v.starts_with("https://"))
         return "expected an http:// or https:// URL";
       c.vision_model_base_url = std::string(v);
       return std::nullopt;
     }},
    {"vision-model-api-key", "BOOCODE_VISION_MODEL_API_KEY", "KEY",
     "the vision endpoint's API key (never logged; default: --model-api-key)", "(none)",
     [](node_config& c, std::string_view v) -> std::optional<std::string> {
       c.vision_model_api_key = std::string(v);
       return std::nullopt;
     }},
    {"vision-model", "BOOCODE_VISION_MODEL", "NAME",
     "the model to ask at --vision-model-base-url, e.g. gpt-4.1-mini",
     "(required with --vision-model-base-url)",
     [](node_config& c, std::string_view v) -> std::optional<std::string> {
       if (v.empty())
         return "must not be empty";
       c.vision_model = std::string(v);
       return std::nullopt;
     }},
  };
  return table;
}

} // namespace boocode
