#include "actors/attachment_store.hpp"

#include <chrono>

#include <fmt/format.h>

#include "runtime/digest.hpp"
#include "runtime/image/prepare.hpp"
#include "runtime/node_identity.hpp"
#include "storage/attachment_repository.hpp"
#include "storage/storage_error.hpp"

namespace boocode {

namespace {

chat::service_error storage_down() {
  return {503, "storage_unavailable", "the database failed: try again"};
}

chat::service_error no_attachment(const std::string& id) {
  return {404, "not_found", "no attachment " + id};
}

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

/// The blob row for a prepared image.
storage::attachment_blob blob_of(std::string_view bytes, const std::string& sha256,
                                 image::prepared& p) {
  storage::attachment_blob b;
  b.sha256 = sha256;
  b.media_type = std::string(image::media_type(p.fmt));
  b.data = std::string(bytes);
  b.width = p.width;
  b.height = p.height;
  if (p.model_copy) {
    b.model_media_type = std::string(image::media_type(p.model_copy->fmt));
    b.model_data = std::move(p.model_copy->bytes);
    b.model_width = p.model_copy->width;
    b.model_height = p.model_copy->height;
  }
  b.thumb_media_type = std::string(image::media_type(p.thumbnail.fmt));
  b.thumb_data = std::move(p.thumbnail.bytes);
  return b;
}

/// view_image's way to the store, for one chat.
class chat_attacher final : public tools::image_attacher {
public:
  chat_attacher(attachment_store& store, std::string chat_id)
    : store_(store), chat_id_(std::move(chat_id)) {}

  uint64_t max_bytes() const override { return store_.limits().max_bytes; }

  std::variant<model::image_ref, std::string> attach(std::string_view bytes,
                                                     const std::string& name) override {
    auto r = store_.upload(chat_id_, bytes, name);
    if (auto* err = std::get_if<chat::service_error>(&r))
      return err->message;
    return std::get<model::image_ref>(r);
  }

private:
  attachment_store& store_;
  std::string chat_id_;
};

} // namespace

attachment_store::attachment_store(std::shared_ptr<storage::pool> db,
                                   chat::attachment_limits limits,
                                   std::shared_ptr<spdlog::logger> log)
  : repo_(std::make_unique<storage::attachment_repository>(std::move(db))), limits_(limits),
    log_(std::move(log)) {}

attachment_store::~attachment_store() = default;

chat::result<model::image_ref> attachment_store::upload(const std::string& chat_id,
                                                        std::string_view bytes,
                                                        const std::string& name) {
  if (bytes.size() > limits_.max_bytes)
    return chat::service_error{
      413, "payload_too_large",
      fmt::format("the image has {} bytes; the limit is {}", bytes.size(), limits_.max_bytes)};
  if (bytes.empty())
    return chat::service_error{400, "invalid_argument", "the upload is empty"};
  if (!image::sniff(bytes))
    return chat::service_error{415, "unsupported_media_type",
                               "not a PNG, JPEG, WebP or GIF image (judged by its bytes)"};
  auto sha = sha256_hex(bytes);
  auto id = random_id("a_", 16);
  // Expired uploads and unheld bytes go as new ones come (at most once a minute).
  sweep_now_and_then();
  try {
    bool no_chat = false;
    // The same bytes stored before (by any chat of the cluster): no decoding.
    if (auto known = repo_->attach(sha, chat_id, id, name, &no_chat))
      return *known;
    if (no_chat)
      return chat::service_error{404, "not_found", "no chat " + chat_id};
    image::limits lim;
    lim.max_edge = limits_.max_edge;
    lim.model_edge = limits_.model_edge;
    auto prepared = image::prepare(bytes, lim);
    if (auto* why = std::get_if<std::string>(&prepared))
      return chat::service_error{400, "invalid_image", *why};
    auto stored = repo_->store(blob_of(bytes, sha, std::get<image::prepared>(prepared)), chat_id,
                               id, name, &no_chat);
    if (!stored)
      return chat::service_error{404, "not_found", "no chat " + chat_id};
    return *stored;
  } catch (const storage::storage_error& e) {
    if (log_)
      log_->error("attachment storage: {}", e.what());
    return storage_down();
  }
}

chat::result<chat::attachment_bytes>
attachment_store::fetch(const chat::caller& who, const std::string& id, chat::attachment_view v) {
  std::optional<storage::served_image> found;
  try {
    found =
      repo_->fetch(id, v == chat::attachment_view::thumbnail ? storage::image_variant::thumbnail
                                                             : storage::image_variant::original);
  } catch (const storage::storage_error& e) {
    if (log_)
      log_->error("attachment storage: {}", e.what());
    return storage_down();
  }
  if (!found)
    return no_attachment(id);
  // The same answer for an image one may not read as for none at all.
  bool allowed = false;
  for (const auto& chat_id : found->chats) {
    auto r = reach_ ? reach_(who, chat_id) : chat::result<bool>{who.admin};
    if (auto* err = std::get_if<chat::service_error>(&r); err != nullptr && err->status >= 500)
      return *err;
    if (std::holds_alternative<bool>(r) && std::get<bool>(r)) {
      allowed = true;
      break;
    }
  }
  if (!allowed)
    return no_attachment(id);
  return chat::attachment_bytes{std::move(found->media_type), std::move(found->data)};
}

std::shared_ptr<const std::string> attachment_store::data_url(const std::string& sha256) {
  {
    std::lock_guard guard{cache_mtx_};
    if (auto it = cached_.find(sha256); it != cached_.end()) {
      lru_.splice(lru_.end(), lru_, it->second);
      return it->second->second;
    }
  }
  std::optional<storage::model_image> img;
  try {
    img = repo_->model_copy(sha256);
  } catch (const storage::storage_error& e) {
    if (log_)
      log_->error("attachment storage: {}", e.what());
    throw;
  }
  if (!img)
    return nullptr;
  auto url = std::make_shared<const std::string>("data:" + img->media_type + ";base64," +
                                                 base64_encode(img->data));
  std::lock_guard guard{cache_mtx_};
  if (cached_.contains(sha256) || url->size() > cache_bytes / 4)
    return url;
  lru_.emplace_back(sha256, url);
  cached_.emplace(sha256, std::prev(lru_.end()));
  cached_bytes_ += url->size();
  while (cached_bytes_ > cache_bytes && !lru_.empty()) {
    cached_bytes_ -= lru_.front().second->size();
    cached_.erase(lru_.front().first);
    lru_.pop_front();
  }
  return url;
}

std::shared_ptr<tools::image_attacher> attachment_store::attacher_for(const std::string& chat_id) {
  return std::make_shared<chat_attacher>(*this, chat_id);
}

int64_t attachment_store::sweep_now_and_then() {
  auto now = now_us();
  auto last = swept_us_.load();
  if (now - last < 60'000'000 || !swept_us_.compare_exchange_strong(last, now))
    return 0;
  try {
    return repo_->sweep(limits_.ttl);
  } catch (const storage::storage_error& e) {
    if (log_)
      log_->warn("attachment sweep: {}", e.what());
    return 0;
  }
}

} // namespace boocode
