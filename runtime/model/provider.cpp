#include "runtime/model/provider.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace boocode::model {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

} // namespace

bool refuses_images(const model_error& err) {
  if (err.what != model_error::kind::http_status)
    return false;
  if (err.status != 400 && err.status != 404 && err.status != 415 && err.status != 422 &&
      err.status != 500 && err.status != 501)
    return false;
  static constexpr std::array<std::string_view, 10> signs = {
    "unknown variant `image_url`",    // DeepSeek
    "unknown variant 'image_url'",    //
    "is not a multimodal model",      // vLLM
    "does not support image",         // Ollama: "does not support image input"
    "mmproj",                         // llama.cpp started without a projector
    "image input is not supported",   // llama.cpp
    "multimodal is not supported",    //
    "image_url is only supported by", // OpenAI's text-only models
    "does not support images",        //
    "images are not supported",       //
  };
  auto text = lower(err.message);
  return std::any_of(signs.begin(), signs.end(),
                     [&](std::string_view s) { return text.find(lower(s)) != std::string::npos; });
}

std::string to_string(model_error::kind k) {
  switch (k) {
    case model_error::kind::network:
      return "network";
    case model_error::kind::timeout:
      return "timeout";
    case model_error::kind::http_status:
      return "http_status";
    case model_error::kind::protocol:
      return "protocol";
    case model_error::kind::cancelled:
      return "cancelled";
    case model_error::kind::config:
      return "config";
  }
  return "unknown";
}

} // namespace boocode::model
