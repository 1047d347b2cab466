#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "runtime/protocol/states.hpp"

// What the admin port offers (net/admin.capnp documents each field), as plain
// types: the Cap'n Proto server and client in net/ translate them; actors/
// implements the service.

namespace boocode::admin {

struct node_info {
  std::string id;
  std::string http_address;
  std::string cluster_address;
  std::string admin_address;
  std::string state;
  uint64_t heartbeat_age_ms = 0;
  uint32_t actors = 0;
  std::string version;
  int32_t pid = 0;
  std::string started_at;
};

struct actor_info {
  std::string id;
  protocol::actor_kind kind = protocol::actor_kind::session;
  std::string owner;
  protocol::actor_state state = protocol::actor_state::unknown;
  int32_t turn = 0;
  uint32_t mailbox = 0;
  uint32_t restarts = 0;
  std::string last_activity;
  int64_t epoch = 0;
};

struct actor_filter {
  std::string kind;
  std::string id;
  std::string node;
  std::string state;
};

struct journal_entry {
  int32_t turn = 0;
  std::string step;
  std::string kind;
  std::string payload;
  std::string created_at;
};

struct mailbox_entry {
  int64_t id = 0;
  std::string client_id;
  std::string content;
  std::string created_at;
  int32_t taken_turn = -1;
};

struct actor_detail {
  actor_info info;
  std::string snapshot = "{}";
  std::vector<journal_entry> journal;
  std::vector<mailbox_entry> mailbox;
  std::vector<std::string> subscribers;
};

/// A refused call: code is not_found, invalid_argument, unavailable or
/// unauthorized; message is for people.
struct error {
  std::string code;
  std::string message;
};

template <class T>
using result = std::variant<T, error>;

/// The operations behind the admin port, answered for the whole cluster. Calls
/// block (the database, other nodes); the server runs them off its event loop.
/// `caller` names who asked, for the log of every change.
class admin_service {
public:
  virtual ~admin_service() = default;
  virtual result<std::vector<node_info>> nodes() = 0;
  virtual result<std::vector<actor_info>> actors(const actor_filter& filter) = 0;
  virtual result<actor_detail> inspect(const std::string& id) = 0;
  virtual result<bool> migrate(const std::string& id, const std::string& node,
                               const std::string& caller) = 0;
  virtual result<bool> restart(const std::string& id, const std::string& caller) = 0;
  virtual result<bool> stop(const std::string& id, const std::string& caller) = 0;
  virtual result<uint32_t> drain(const std::string& node, const std::string& caller) = 0;
};

} // namespace boocode::admin
