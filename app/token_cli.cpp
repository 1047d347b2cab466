#include "app/token_cli.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <unistd.h>

#include <fmt/format.h>

#include "net/auth_users.hpp"

namespace boocode {

namespace {

constexpr const char* usage = "usage: boocode token add NAME [--admin] [--auth-file FILE]";

int fail(int code, const std::string& message) {
  std::cerr << "boocode token: " << message << '\n';
  return code;
}

} // namespace

int token_command(const std::vector<std::string>& args) {
  if (args.empty() || args[0] != "add")
    return fail(2, usage);
  std::string name;
  bool admin = false;
  std::filesystem::path file = ".boocode/users";
  if (const char* f = std::getenv("BOOCODE_AUTH_FILE"); f != nullptr && *f != '\0')
    file = f;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--admin")
      admin = true;
    else if (args[i] == "--auth-file" && i + 1 < args.size())
      file = args[++i];
    else if (name.empty() && args[i].rfind("--", 0) != 0)
      name = args[i];
    else
      return fail(2, fmt::format("unexpected argument '{}'; {}", args[i], usage));
  }
  if (!net::valid_user_name(name))
    return fail(2, fmt::format("a user name is 1 to 64 of A-Z a-z 0-9 . _ -; {}", usage));
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    auto table = net::user_table::load(file);
    if (auto* why = std::get_if<std::string>(&table))
      return fail(2, *why);
    if (std::get<net::user_table>(table).find(name) != nullptr)
      return fail(2, fmt::format("user {} is already in {}", name, file.string()));
  } else if (file.has_parent_path()) {
    std::filesystem::create_directories(file.parent_path(), ec);
  }
  auto token = net::new_token();
  auto line =
    net::user_line(name, admin ? net::user_role::admin : net::user_role::user, token) + "\n";
  int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail(1, fmt::format("cannot write {}: {}", file.string(), std::strerror(errno)));
  bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  written = ::close(fd) == 0 && written;
  if (!written)
    return fail(1, fmt::format("cannot write {}: {}", file.string(), std::strerror(errno)));
  std::cout << token << '\n';
  std::cerr << fmt::format("added {} ({}) to {}; the token above is shown only once. Start the "
                           "node with --auth-file {}\n",
                           name, admin ? "admin" : "user", file.string(), file.string());
  return 0;
}

} // namespace boocode
