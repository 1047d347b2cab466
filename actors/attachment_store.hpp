#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <spdlog/logger.h>

#include "runtime/chat/attachments.hpp"
#include "runtime/tools/image_attacher.hpp"

namespace boocode {

namespace storage {
class attachment_repository;
class pool;
} // namespace storage

/// The node's image attachments over the shared database: uploads checked,
/// downscaled and stored once by SHA-256 (runtime/image does the pixels);
/// served to whoever may read a chat that holds them; loaded as data URLs
/// for model calls through a small cache. Thread-safe.
class attachment_store final : public chat::attachment_service, public chat::image_loader {
public:
  /// Whether `who` may read chat `chat_id` (the chat service's reach()).
  using reach_check = std::function<chat::result<bool>(const chat::caller&, const std::string&)>;

  attachment_store(std::shared_ptr<storage::pool> db, chat::attachment_limits limits,
                   std::shared_ptr<spdlog::logger> log);
  ~attachment_store() override;

  /// Set once before the HTTP server starts.
  void set_reach(reach_check reach) { reach_ = std::move(reach); }
  const chat::attachment_limits& limits() const { return limits_; }

  chat::result<model::image_ref> upload(const std::string& chat_id, std::string_view bytes,
                                        const std::string& name) override;
  chat::result<chat::attachment_bytes> fetch(const chat::caller& who, const std::string& id,
                                             chat::attachment_view v) override;
  std::shared_ptr<const std::string> data_url(const std::string& sha256) override;

  /// What view_image stores its images with, for chat `chat_id`.
  std::shared_ptr<tools::image_attacher> attacher_for(const std::string& chat_id);

  /// Deletes expired uploads and unheld bytes, at most once a minute
  /// however often it is called; how many rows went.
  int64_t sweep_now_and_then();

private:
  std::unique_ptr<storage::attachment_repository> repo_;
  chat::attachment_limits limits_;
  std::shared_ptr<spdlog::logger> log_;
  reach_check reach_;

  /// Recently sent images' data URLs, least recently used first out, at
  /// most cache_bytes of them.
  static constexpr size_t cache_bytes = size_t{64} << 20;
  std::mutex cache_mtx_;
  std::list<std::pair<std::string, std::shared_ptr<const std::string>>> lru_;
  std::unordered_map<std::string, decltype(lru_)::iterator> cached_;
  size_t cached_bytes_ = 0;
  std::atomic<int64_t> swept_us_{0};
};

} // namespace boocode
