#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include <caf/actor_system.hpp>

#include "actors/session_deps.hpp"
#include "runtime/chat/service.hpp"
#include "runtime/messages.hpp"

namespace boocode {

namespace storage {
class chat_repository;
class trace_repository;
} // namespace storage

/// The chat_service the HTTP routes and WebSocket handler call: database
/// work on the caller's thread (the HTTP server's handler threads, never its
/// I/O threads) through the node's pool, everything live through the
/// session registry. Thread-safe.
class chat_service_impl final : public chat::chat_service {
public:
  chat_service_impl(caf::actor_system& sys, std::shared_ptr<const session_deps> deps,
                    session_registry_actor registry);
  ~chat_service_impl() override;

  chat::result<chat::chat_record> create_chat(const chat::new_chat& req) override;
  chat::result<std::vector<chat::chat_record>>
  list_chats(const std::optional<std::string>& owner) override;
  chat::result<bool> reach(const chat::caller& who, const std::string& chat_id) override;
  chat::result<chat::chat_view> get_chat(const std::string& id) override;
  chat::result<chat::chat_record> archive_chat(const std::string& id) override;
  chat::result<chat::posted_message>
  post_message(const std::string& chat_id, const std::string& text, const std::string& client_id,
               const std::vector<std::string>& attachments = {}) override;
  chat::result<bool> cancel(const std::string& chat_id) override;
  chat::result<std::vector<chat::timeline_turn>> timeline(const std::string& chat_id) override;
  chat::result<chat::chat_record> fork(const std::string& chat_id, int turn,
                                       const std::string& owner) override;
  chat::result<trace::usage_summary> usage(const std::string& chat_id) override;
  chat::result<trace::trace_page> list_traces(const std::string& chat_id,
                                              const trace::trace_query& q) override;
  chat::result<bool> subscribe(const std::shared_ptr<chat::frame_sink>& conn,
                               const std::string& chat_id, const chat::resume_point& from,
                               bool only_if_new) override;
  chat::result<bool> restart(const std::string& chat_id) override;
  chat::result<std::vector<agent::task_record>> tasks(const std::string& chat_id) override;
  chat::result<int> stop_tasks(const std::string& chat_id, const std::string& task_id) override;
  chat::result<chat::chat_record> update_chat(const std::string& chat_id,
                                              const chat::chat_patch& patch) override;
  chat::result<std::vector<chat::approval_requested>>
  approvals(const std::string& chat_id) override;
  chat::result<chat::approval_answer> answer_approval(const std::string& chat_id,
                                                      const chat::approval_answer& a) override;
  void unsubscribe(uint64_t conn_id, const std::string& chat_id) override;
  void connection_closed(uint64_t conn_id) override;

  /// The node stops: ends every connection's client actor and waits until
  /// they are gone, so no frame reaches a connection after the HTTP server.
  void close_clients();

private:
  /// Runs `f` with the repository, turning storage failures into 503 answers.
  template <class T, class F>
  chat::result<T> with_repo(F&& f);
  /// true, or 404 for an unknown chat (503 when the database fails).
  chat::result<bool> chat_exists(const std::string& chat_id);

  caf::actor_system& sys_;
  std::shared_ptr<const session_deps> deps_;
  session_registry_actor registry_;
  std::unique_ptr<storage::chat_repository> repo_;
  std::unique_ptr<storage::trace_repository> traces_;
  struct client {
    ws_client_actor actor;
    std::set<std::string> chats; // subscribed to
  };
  std::mutex clients_mtx_;
  std::map<uint64_t, client> clients_;
  /// Chats' owners as read, so reach() asks the database once per chat.
  static constexpr std::size_t max_cached_owners = 100000;
  std::mutex owners_mtx_;
  std::unordered_map<std::string, std::string> owners_;
};

} // namespace boocode
