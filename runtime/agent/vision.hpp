#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "runtime/chat/attachments.hpp"
#include "runtime/model/conversation.hpp"
#include "runtime/model/provider.hpp"

namespace boocode::agent {

/// How an agent's model calls treat the images of its conversation.
struct vision_setup {
  chat::vision_mode mode = chat::vision_mode::automatic;
  /// Raised when the endpoint refused images (mode automatic): later calls
  /// send notes instead. Shared by every agent of the node; may be null.
  std::shared_ptr<std::atomic<bool>> refused{};
  /// Calls of a turn whose messages carry images go here instead (null: none).
  model::model_provider* vision_model = nullptr;
  /// Loads the images' bytes; null: images are never sent.
  chat::image_loader* images = nullptr;
};

/// Which endpoint a call goes to, and whether it is sent the images.
struct call_plan {
  model::model_provider* model = nullptr;
  bool send_images = false;
  bool on_vision_model = false;
};

/// The plan for a call of a turn: `fresh_images`, the turn's own messages
/// (its user messages, the images its tools opened) carry images. Such a
/// turn goes to the vision model when there is one; the main model is then
/// sent older images only with mode on (else as notes).
call_plan plan_call(const vision_setup& v, model::model_provider& main, bool fresh_images);

/// The turn's error when its images cannot be sent: names the model, says
/// why (`detail`: the endpoint's own words, or the mode) and what to do.
std::string no_vision_message(const std::string& model, const std::string& detail);

/// The data URLs of the images `conv` carries, loaded through `loader`.
model::image_payload load_images(const model::conversation& conv, chat::image_loader& loader);

/// How many images a call with `payload` sends, and their data URLs' bytes.
struct image_count {
  size_t images = 0;
  size_t bytes = 0;
};
image_count count_images(const model::conversation& conv, const model::image_payload& payload);

} // namespace boocode::agent
