#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "runtime/protocol/states.hpp"

namespace boocode::net {

using protocol::user_role;

/// One user of the node: a name, a role, and the SHA-256 of their token
/// (the token itself is never stored).
struct user {
  std::string name;
  user_role role = user_role::user;
  std::string token_sha256; // 64 lower-case hex digits
};

/// The users a node accepts, from an auth file: one line per user,
/// `NAME ROLE SHA256`, where ROLE is admin or user; blank lines and lines
/// starting with '#' are ignored.
class user_table {
public:
  /// The table, or "line N: why" for the first bad line.
  static std::variant<user_table, std::string> parse(std::string_view text);
  /// parse() of a file; "cannot read FILE: why" when it cannot be read.
  static std::variant<user_table, std::string> load(const std::filesystem::path& file);
  /// The one-user shorthand (--auth-token): a user "admin" with role admin.
  static user_table single(std::string_view token);

  /// The user whose token this is, comparing with every user in constant time.
  const user* authenticate(std::string_view token) const;
  const user* find(std::string_view name) const;
  bool empty() const { return users_.empty(); }
  std::size_t size() const { return users_.size(); }

private:
  std::vector<user> users_;
};

/// A new high-entropy token: "boo_" and 43 base64url characters (256 bits).
std::string new_token();

/// The auth file line for a user with this token.
std::string user_line(std::string_view name, user_role role, std::string_view token);

/// Whether `name` is a valid user name: 1 to 64 of [A-Za-z0-9._-].
bool valid_user_name(std::string_view name);

/// The node's users: from a file, re-read when it changes (checked at most
/// once a second), so removing a line revokes that user's token and
/// sessions at once on every node that reads the file; or a fixed table.
/// Thread-safe.
class user_source {
public:
  explicit user_source(user_table fixed);
  /// Throws std::runtime_error when the file cannot be read or parsed.
  explicit user_source(std::filesystem::path file);

  /// The current table; a file that became unreadable or invalid keeps the
  /// last good one (and `problem()` says why).
  std::shared_ptr<const user_table> current() const;
  std::optional<std::string> problem() const;

private:
  std::filesystem::path file_;
  mutable std::mutex mtx_;
  mutable std::shared_ptr<const user_table> table_;
  mutable std::filesystem::file_time_type stamp_{};
  mutable std::uintmax_t size_ = 0; // with the time: two edits in one clock tick differ
  mutable std::chrono::steady_clock::time_point checked_{};
  mutable std::optional<std::string> problem_;
};

} // namespace boocode::net
