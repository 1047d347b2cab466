#include "runtime/agent/vision.hpp"

#include <fmt/format.h>

namespace boocode::agent {

call_plan plan_call(const vision_setup& v, model::model_provider& main, bool fresh_images) {
  if (v.images == nullptr)
    return {&main, false, false};
  if (fresh_images && v.vision_model != nullptr)
    return {v.vision_model, true, true};
  // With a vision model beside it, the main model is taken for one that
  // does not see (unless model-vision is on): older images go as notes.
  bool send = v.mode == chat::vision_mode::on ||
              (v.mode == chat::vision_mode::automatic && v.vision_model == nullptr &&
               !(v.refused && v.refused->load()));
  return {&main, send, false};
}

std::string no_vision_message(const std::string& model, const std::string& detail) {
  return fmt::format(
    "The model {} does not accept images ({}). Your message and its images are kept, and the "
    "chat goes on: send text, or point --vision-model-base-url and --vision-model at a model "
    "that sees images (or set --model-vision off to stop sending them).",
    model, detail);
}

model::image_payload load_images(const model::conversation& conv, chat::image_loader& loader) {
  model::image_payload p;
  for (const auto* img : conv.images())
    if (!p.data_urls.contains(img->sha256))
      p.data_urls.emplace(img->sha256, loader.data_url(img->sha256));
  return p;
}

image_count count_images(const model::conversation& conv, const model::image_payload& payload) {
  image_count n;
  if (!payload.send)
    return n;
  for (const auto* img : conv.images()) {
    auto it = payload.data_urls.find(img->sha256);
    if (it != payload.data_urls.end() && it->second) {
      ++n.images;
      n.bytes += it->second->size();
    }
  }
  return n;
}

} // namespace boocode::agent
