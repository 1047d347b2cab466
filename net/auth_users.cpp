#include "net/auth_users.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "net/auth_crypto.hpp"
#include "runtime/digest.hpp"

namespace boocode::net {

namespace {

bool is_hex_digest(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

} // namespace

bool valid_user_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         name.find_first_not_of(
           "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
           std::string_view::npos;
}

std::variant<user_table, std::string> user_table::parse(std::string_view text) {
  user_table t;
  std::istringstream in{std::string(text)};
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    std::istringstream words(line);
    std::string name, role, digest, extra;
    if (!(words >> name) || name[0] == '#')
      continue;
    words >> role >> digest;
    if (words >> extra || digest.empty())
      return fmt::format("line {}: expected NAME ROLE SHA256", number);
    if (!valid_user_name(name))
      return fmt::format("line {}: a name is 1 to 64 of A-Z a-z 0-9 . _ -", number);
    auto parsed_role = protocol::from_name<user_role>(role);
    if (!parsed_role)
      return fmt::format("line {}: the role must be admin or user", number);
    if (!is_hex_digest(digest))
      return fmt::format("line {}: the token's SHA-256 must be 64 lower-case hex digits", number);
    if (t.find(name) != nullptr)
      return fmt::format("line {}: user {} appears twice", number, name);
    t.users_.push_back({name, *parsed_role, digest});
  }
  return t;
}

std::variant<user_table, std::string> user_table::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return fmt::format("cannot read {}: {}", file.string(), std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  auto parsed = parse(ss.str());
  if (auto* why = std::get_if<std::string>(&parsed))
    return fmt::format("{}: {}", file.string(), *why);
  return parsed;
}

user_table user_table::single(std::string_view token) {
  user_table t;
  t.users_.push_back({"admin", user_role::admin, sha256_hex(token)});
  return t;
}

const user* user_table::authenticate(std::string_view token) const {
  auto digest = sha256_hex(token);
  const user* found = nullptr;
  for (auto& u : users_) // no early exit: the time does not say which line matched
    if (equal_in_constant_time(digest, u.token_sha256))
      found = &u;
  return found;
}

const user* user_table::find(std::string_view name) const {
  for (auto& u : users_)
    if (u.name == name)
      return &u;
  return nullptr;
}

std::string new_token() {
  return "boo_" + random_b64(32);
}

std::string user_line(std::string_view name, user_role role, std::string_view token) {
  return fmt::format("{} {} {}", name, protocol::to_string(role), sha256_hex(token));
}

user_source::user_source(user_table fixed)
  : table_(std::make_shared<const user_table>(std::move(fixed))) {}

user_source::user_source(std::filesystem::path file) : file_(std::move(file)) {
  auto loaded = user_table::load(file_);
  if (auto* why = std::get_if<std::string>(&loaded))
    throw std::runtime_error(*why);
  table_ = std::make_shared<const user_table>(std::move(std::get<user_table>(loaded)));
  std::error_code ec;
  stamp_ = std::filesystem::last_write_time(file_, ec);
  size_ = std::filesystem::file_size(file_, ec);
  checked_ = std::chrono::steady_clock::now();
}

std::shared_ptr<const user_table> user_source::current() const {
  std::lock_guard guard{mtx_};
  if (file_.empty())
    return table_;
  auto now = std::chrono::steady_clock::now();
  if (now - checked_ < std::chrono::seconds(1))
    return table_;
  checked_ = now;
  std::error_code ec;
  auto stamp = std::filesystem::last_write_time(file_, ec);
  auto size = std::filesystem::file_size(file_, ec);
  if (!ec && stamp == stamp_ && size == size_)
    return table_;
  auto loaded = user_table::load(file_);
  if (auto* why = std::get_if<std::string>(&loaded)) {
    problem_ = *why;
    return table_;
  }
  problem_.reset();
  stamp_ = stamp;
  size_ = size;
  table_ = std::make_shared<const user_table>(std::move(std::get<user_table>(loaded)));
  return table_;
}

std::optional<std::string> user_source::problem() const {
  std::lock_guard guard{mtx_};
  return problem_;
}

} // namespace boocode::net
